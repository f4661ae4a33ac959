"""Send everything a Snakemake job prints (logging, warnings, progress bars) to its log file."""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def log_to(path: str) -> Iterator[logging.Logger]:
    """Redirect stdout, stderr and the ``topex`` logger to ``path`` for the job's duration.

    An exception is logged with its traceback before it propagates, so the log file
    explains the failure that Snakemake reports.
    """
    with open(path, "a", buffering=1) as handle:
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = handle
        logging.basicConfig(
            stream=handle,
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            force=True,
        )
        logging.captureWarnings(True)
        logger = logging.getLogger("topex")
        try:
            yield logger
        except BaseException:
            logger.exception("job failed")
            raise
        finally:
            sys.stdout, sys.stderr = old_out, old_err

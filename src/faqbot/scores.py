"""Every term's BM25F score in every passage, computed once when the index is built.

Answering a question then adds up a few precomputed arrays per query term instead of walking
Whoosh postings in Python, which on a corpus of 20,000 passages was most of an answer's time
(see docs/benchmarks.md). The figures are exactly Whoosh's BM25F: the same idf, the same
(byte-encoded) field lengths, B and K1, read from the finished Whoosh index.

A ``ScoreTable`` is a sparse term x passage matrix in compressed rows, one row per
(field, term), stored next to the Whoosh files of a build::

    scores/terms.json    {"doc_count": N, "rows": [[field, term], ...], "df": {term: n}}
    scores/indptr.npy    int64, len(rows) + 1: row r is [indptr[r], indptr[r + 1])
    scores/docs.npy      int32 document numbers, ascending within a row
    scores/values.npy    float64 BM25F score of the row's term in that field of that passage

A snapshot reads the arrays into memory when it opens (25 MB for 20,000 passages), not
memory-mapped: a file damaged in place later cannot crash a running server (SIGBUS).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from whoosh import scoring

from . import tuning

SCORES_DIR = "scores"
TERMS_FILE = "terms.json"
# Whoosh's BM25F parameters (faqbot.tuning).
B = tuning.BM25_B
K1 = tuning.BM25_K1


def weighting() -> scoring.BM25F:
    return scoring.BM25F(B=B, K1=K1)


def bm25(idf: float, tf: np.ndarray, fl: np.ndarray, avgfl: float) -> np.ndarray:
    """Whoosh's ``scoring.bm25``, term for term (so the floating-point results are equal)."""
    return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))


class ScoreTable:
    """Precomputed BM25F scores: ``postings(field, term)`` gives the passages and scores."""

    def __init__(self, doc_count: int, rows: list[tuple[str, str]], indptr: np.ndarray,
                 docs: np.ndarray, values: np.ndarray, df: dict[str, int]):
        self.doc_count = doc_count
        self.rows = {(f, t): r for r, (f, t) in enumerate(rows)}
        self.indptr = indptr
        self.docs = docs
        self.values = values
        self.df = df

    def postings(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Document numbers (ascending) and BM25F scores of ``term`` in ``fieldname``."""
        row = self.rows.get((fieldname, term))
        if row is None:
            return None
        lo, hi = int(self.indptr[row]), int(self.indptr[row + 1])
        return self.docs[lo:hi], self.values[lo:hi]

    def terms(self, fieldname: str) -> set[str]:
        return {t for f, t in self.rows if f == fieldname}

    def doc_frequency(self, term: str) -> int:
        """In how many passages ``term`` occurs, in any field."""
        return self.df.get(term, 0)


def compute(ix, fieldnames) -> ScoreTable:
    """The score table of a Whoosh index, for the searched ``fieldnames``."""
    rows: list[tuple[str, str]] = []
    docs_parts: list[np.ndarray] = []
    value_parts: list[np.ndarray] = []
    docs_of_term: dict[str, list[np.ndarray]] = {}
    with ix.searcher(weighting=weighting()) as searcher:
        reader = searcher.reader()
        n = searcher.doc_count_all()
        for fieldname in fieldnames:
            avgfl = searcher.avg_field_length(fieldname) or 1
            lengths = np.array([searcher.doc_field_length(d, fieldname, 1) for d in range(n)],
                               dtype=np.float64)
            for raw in reader.lexicon(fieldname):
                term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                ids, weights = [], []
                m = reader.postings(fieldname, term)
                while m.is_active():
                    ids.append(m.id())
                    weights.append(m.weight())
                    m.next()
                if not ids:
                    continue
                idf = math.log(n / (reader.doc_frequency(fieldname, term) + 1)) + 1
                docs = np.array(ids, dtype=np.int32)
                rows.append((fieldname, term))
                docs_parts.append(docs)
                value_parts.append(bm25(idf, np.array(weights, dtype=np.float64), lengths[docs], avgfl))
                docs_of_term.setdefault(term, []).append(docs)
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(d) for d in docs_parts], out=indptr[1:])
    df = {term: len(parts[0]) if len(parts) == 1 else len(np.unique(np.concatenate(parts)))
          for term, parts in docs_of_term.items()}
    empty = np.zeros(0)
    return ScoreTable(
        doc_count=n, rows=rows, indptr=indptr, df=df,
        docs=np.concatenate(docs_parts) if docs_parts else empty.astype(np.int32),
        values=np.concatenate(value_parts) if value_parts else empty)


def save(table: ScoreTable, build: Path) -> None:
    folder = Path(build) / SCORES_DIR
    folder.mkdir()
    np.save(folder / "indptr.npy", table.indptr)
    np.save(folder / "docs.npy", table.docs)
    np.save(folder / "values.npy", table.values)
    rows = sorted(table.rows, key=table.rows.__getitem__)
    (folder / TERMS_FILE).write_text(
        json.dumps({"doc_count": table.doc_count, "rows": rows, "df": table.df}, ensure_ascii=False),
        encoding="utf-8")


def load(build: Path) -> ScoreTable:
    """Read a build's score table. Raises ``ValueError`` when the files are missing, damaged
    or do not fit together."""
    folder = Path(build) / SCORES_DIR
    try:
        meta = json.loads((folder / TERMS_FILE).read_text(encoding="utf-8"))
        indptr = np.load(folder / "indptr.npy")
        docs = np.load(folder / "docs.npy")
        values = np.load(folder / "values.npy")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"Bewertungstabelle {folder} fehlt oder ist beschädigt: {exc}") from exc
    rows = [tuple(r) for r in meta.get("rows", [])]
    doc_count = meta.get("doc_count", -1)
    if (indptr.shape != (len(rows) + 1,) or docs.shape != values.shape
            or (len(rows) and int(indptr[-1]) != docs.shape[0])
            or (docs.shape[0] and not 0 <= int(docs.max()) < doc_count)):
        raise ValueError(f"Bewertungstabelle {folder} passt nicht zusammen.")
    return ScoreTable(doc_count=doc_count, rows=rows, indptr=indptr, docs=docs, values=values,
                      df=meta.get("df", {}))

"""The library's front door: open the catalogue of some sources, then read, filter, search.

    from qpvcli.api import Qpv
    qpv = Qpv.open(["mes-exemples.toml"])
    filtres = qpv.filtres(axes=["habitabilite"], echelles=["quartier"])
    for exemple in qpv.select(filtres, tri="cout"): ...
    result = qpv.search("îlots de fraîcheur", filtres, limit=5)

The command line calls this and nothing else below it. Errors are typed (`errors`): they name
the criterion and the value, never a command-line option.
"""

import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .errors import CatalogueError, InvalidValue, Problem, QpvError
from .model import Catalogue, Exemple
from .selection import ORDER_BY, Filtres, facets, resolve_tri, sort
from .store import DamagedStore, Store, loads
from .text import MAX_QUERY_CHARS, as_typed, normalise


class Found(NamedTuple):
    exemple: Exemple
    score: float
    coverage: int  # how many query words it matches
    stems: frozenset[str]  # the stems the query matched in it (for highlighting)
    matches: dict[str, list[tuple[str, str, tuple[str, ...]]]]  # query word -> (stem, how, fields)


class Recherche(NamedTuple):
    """A search's answer: the results shown, how many there are in all, and suggestions."""

    query: str
    hits: list[Found]
    total: int
    suggestions: list[str]
    truncated: bool  # the query was longer than MAX_QUERY_CHARS and was cut
    unknown: list[str]  # subject words no record contains, even approximately (as typed)


def _damaged() -> tuple[type[Exception], ...]:
    """What a damaged store raises while being read. The search index's own error counts only
    once its module is imported (it cannot be raised before): `list`, `show` or `export` do
    not import the search package just to name it (~2 ms at every start)."""
    index = sys.modules.get(f"{__package__}.search.index")
    if index is None:
        return (DamagedStore, sqlite3.DatabaseError)
    return (DamagedStore, index.DamagedIndex, sqlite3.DatabaseError)


class Qpv:
    """A catalogue opened from its sources: the bundled report and/or the user's files."""

    def __init__(self, paths: Sequence[Path], with_report: bool, use_cache: bool, notify: Callable[[str], None] | None):
        self.paths = list(paths)
        self.with_report = with_report
        self.use_cache = use_cache
        self.notices: list[str] = []  # what the user should know (cache unusable, rebuilt...)
        self._notify = notify
        self._store: Store | None = None
        self._index: Any = None

    @classmethod
    def open(
        cls,
        paths: Sequence[Path | str] = (),
        *,
        with_report: bool = True,
        use_cache: bool = True,
        notify: Callable[[str], None] | None = None,
    ) -> "Qpv":
        """The report's catalogue (unless `with_report=False`) and the user's files, from the
        cache when it can be trusted. Raises CatalogueError for a file that cannot be used.
        `notify` is called with each notice as it happens (else they are kept in `notices`)."""
        qpv = cls([Path(p) for p in paths], with_report, use_cache, notify)
        qpv._open()
        return qpv

    def _note(self, message: str) -> None:
        self.notices.append(message)
        if self._notify is not None:
            self._notify(message)

    def _open(self, *, rebuild: bool = False) -> None:
        from .cache import open_store

        if rebuild and self._store is not None and self._store.path:
            Path(self._store.path).unlink(missing_ok=True)
        opened = open_store(self.paths, with_report=self.with_report, use_cache=self.use_cache)
        self._store, self._index = opened.store, None
        for notice in opened.notices:
            self._note(notice)

    def _run(self, work):
        """Run a read; a store found damaged halfway is rebuilt once and the read done again."""
        try:
            return work()
        except _damaged():
            self._note("cache endommagé : reconstruit.")
            self._open(rebuild=True)
            return work()

    @property
    def store(self) -> Store:
        assert self._store is not None
        return self._store

    @property
    def catalogue(self) -> Catalogue:
        """Metadata, axes, actions and source titles (the records stay in the store)."""
        return self.store.catalogue

    def __len__(self) -> int:
        return self.store.count

    @property
    def frame(self) -> dict[str, Any] | None:
        """The report's header when, left out (`with_report=False`), it lent its axes and
        actions to the user's records; else None."""
        found = self.store.meta.get("cadre")
        return loads(found) if found else None

    # -- records

    def get(self, id: str) -> Exemple | None:
        """The record with this id; case does not matter (ids are lower case: « CREIL-COURS-OASIS »
        copied from a title or a heading is « creil-cours-oasis »)."""
        typed = id.strip()
        found = self._run(lambda: self.store.exemple(typed))
        if found is None:
            from .text import fold

            key = fold(typed)  # « Paris-Îlots-de-Fraîcheur »: ids have no accents either
            if key != typed:
                found = self._run(lambda: self.store.exemple(key))
        return found

    def closest_ids(self, typed: str, limit: int = 5) -> list[str]:
        """Ids that contain what was typed, then ids that look like it."""
        from rapidfuzz import fuzz, process

        from .text import fold

        ids = self._run(self.store.ids)
        key = fold(typed.strip()).replace(" ", "-")
        found = [i for i in ids if key and key in i][:limit]
        # « cour-oasis-bondy »: every word typed, in that order, in a longer id
        words = [w for w in key.split("-") if w]
        if len(words) > 1:
            found += [i for i in ids if _words_in_order(words, i.split("-"))][:limit]
        found += [c[0] for c in process.extract(key, ids, scorer=fuzz.ratio, limit=limit, score_cutoff=70)]
        return list(dict.fromkeys(found))[:limit]

    def ids(self, prefix: str = "") -> list[str]:
        return [i for i in self._run(self.store.ids) if i.startswith(prefix)]

    # -- selection

    def filtres(self, **criteria: Any) -> Filtres:
        """Filters from what a user typed (axes, actions, echelles, cout_max, gratuit,
        partenaires, territoires, themes, ids); raises InvalidValue naming the criterion (an
        unknown id with the closest ones)."""
        filtres = Filtres.from_options(self.catalogue, **criteria)
        known = set(self._run(self.store.ids)) if filtres.ids else set()
        for typed in filtres.ids:
            if typed not in known:
                close = self.closest_ids(typed)
                hint = f" Vouliez-vous dire : {', '.join(close)} ?" if close else " Voir « qpv list »."
                raise InvalidValue("id", typed, f"aucun exemple « {typed} ».{hint}")
        return filtres

    def select(self, filtres: Filtres | None = None, tri: str = "rapport") -> "Selected":
        """The records that pass the filters, in the order of `tri`: each pass over the result
        streams them from the store (memory does not grow with the catalogue)."""
        where, params = (filtres or Filtres()).where(self.store)
        return Selected(self, where, params, ORDER_BY[resolve_tri(tri)])

    def unknown_places(self, filtres: Filtres) -> list[str]:
        """The `--territoire` values that name no place of the catalogue (even misspelt)."""
        from .selection import territory_matches

        places = list(self.store.places()) if filtres.territoires else []
        return [t for t in filtres.territoires if not any(territory_matches(t, row[1:]) for row in places)]

    def count(self, filtres: Filtres | None = None) -> int:
        where, params = (filtres or Filtres()).where(self.store)
        return self._run(lambda: self.store.count_where(where, params))

    def selection(
        self, query: str | None, filtres: Filtres | None = None, tri: str | None = None
    ) -> "tuple[Selected | list[Exemple], dict[str, float]]":
        """The one selection path of list, search and export: the filters, then the search's
        ranking when there is a query (re-sorted only if `tri` is given), else `tri` (report
        order by default). Returns the records and, for a search, their scores by id."""
        if query:
            result = self.search(query, filtres)
            chosen = [f.exemple for f in result.hits]
            return (sort(chosen, resolve_tri(tri)) if tri else chosen), {f.exemple.id: f.score for f in result.hits}
        return self.select(filtres, tri or "rapport"), {}

    def facets(self, filtres: Filtres | None = None) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        """How many records pass the filters, and their counts by axis, action, niveau, cost
        band, partner and département."""
        where, params = (filtres or Filtres()).where(self.store)
        if not where:  # the whole catalogue: counted once, when the store was built
            cached = self.store.meta.get("facettes")
            if cached:
                total, found = loads(cached)
                return total, {k: [tuple(v) for v in vals] for k, vals in found.items()}
        return self._run(lambda: facets(self.store, where, params))

    def summary(self) -> dict[int, int]:
        """Number of records of each action."""
        return dict(self._run(lambda: self.store.query("SELECT action, count(*) FROM exemples GROUP BY action")))

    # -- search

    def search(self, query: str, filtres: Filtres | None = None, limit: int | None = None) -> Recherche:
        """Rank the records for a query (with the filters); at most `limit` results, `total`
        counts them all. Raises InvalidValue for an empty query or a negative limit."""
        if not normalise(query).strip():
            raise InvalidValue("requete", query, "la requête est vide : indiquez un ou plusieurs mots à chercher.")
        if limit is not None and limit < 0:
            raise InvalidValue("limite", limit, "un nombre positif est attendu (0 pour tous les résultats).")
        return self._run(lambda: self._search(query, filtres, limit or None))

    def _theme_texts(self) -> dict[str, str]:
        """Each theme's searchable words, as the store indexed them (kept in its metadata)."""
        return loads(self.store.meta.get("textes_thematiques", "{}"))

    def _search(self, query: str, filtres: Filtres | None, limit: int | None) -> Recherche:
        from .fields import action_search_text, search_texts
        from .search import Index, run

        store = self.store
        if self._index is None:
            self._index = Index(store.conn, store.count)
        index = self._index
        accept = None
        if filtres:
            where, params = filtres.where(store)
            accept = store.docs(where, params).__contains__
        cat = store.catalogue

        theme_texts = self._theme_texts()

        decoded: dict[int, Exemple] = {}  # the records read for the proximity bonus, kept for the hits

        def texts(docs: list[int]) -> dict[int, dict[str, str]]:
            out = {}
            decoded.update(store.exemples_by_doc([d for d in docs if d not in decoded]))
            for doc in docs:
                e = decoded.get(doc)
                if e is None:
                    continue
                action = cat.action(e.action)
                out[doc] = search_texts(e, action_search_text(action, cat.axe(action.axe)), theme_texts)
            return out

        result = run(index, query, accept=accept, texts=texts, limit=limit)
        decoded.update(store.exemples_by_doc([h.doc for h in result.hits if h.doc not in decoded]))
        hits = [Found(decoded[h.doc], h.score, h.coverage, frozenset(h.stems), h.matches) for h in result.hits]
        unknown = as_typed(query, result.unknown)
        suggestions = [_as_written(index, texts, w) for w in result.suggestions]
        return Recherche(query.strip(), hits, result.total, suggestions, len(query) > MAX_QUERY_CHARS, unknown)


def _as_written(index: Any, texts: Callable[[list[int]], dict[int, dict[str, str]]], word: str) -> str:
    """A vocabulary word (folded: « vegetalisation ») as a record writes it (« végétalisation »),
    for « Vouliez-vous dire … ? »: read in the first record that has it."""
    found = index.postings(index.stem_of(word))
    if found is None:
        return word
    for text in texts([found[0][0]]).get(found[0][0], {}).values():
        (written,) = as_typed(text, [word])
        if written != word:
            return written
    return word


class Selected:
    """Records chosen by filters: iterable any number of times (each pass is a query, rows
    decoded one at a time), with a length."""

    def __init__(self, qpv: Qpv, where: str, params: list[Any], order: str):
        self.qpv, self.where, self.params, self.order = qpv, where, params, order
        self._len: int | None = None

    def __iter__(self) -> Iterator[Exemple]:
        given = 0
        try:
            for e in self.qpv.store.iter_exemples(self.where, self.params, self.order):
                given += 1
                yield e
        except _damaged() as err:
            self.qpv._open(rebuild=True)
            if given:  # rows already given cannot be taken back: start again from the user
                message = "cache de qpv endommagé pendant la lecture : il a été reconstruit, relancez la commande."
                raise QpvError(message) from err
            self.qpv._note("cache endommagé : reconstruit.")
            yield from self.qpv.store.iter_exemples(self.where, self.params, self.order)

    def __len__(self) -> int:
        if self._len is None:
            self._len = self.qpv._run(lambda: self.qpv.store.count_where(self.where, self.params))
        return self._len

    def __bool__(self) -> bool:
        return len(self) > 0

    def actions(self) -> set[int]:
        """The action numbers of the selected records (one query, no record decoded)."""
        where = f"WHERE {self.where}" if self.where else ""
        sql = f"SELECT DISTINCT e.action FROM exemples e {where}"
        return {n for (n,) in self.qpv._run(lambda: self.qpv.store.query(sql, self.params))}

    def of_action(self, numero: int) -> "Selected":
        """The selected records of one action, in the same order."""
        where = f"({self.where}) AND e.action = ?" if self.where else "e.action = ?"
        return Selected(self.qpv, where, [*self.params, numero], self.order)


def open(paths: Sequence[Path | str] = (), **options: Any) -> Qpv:
    """`Qpv.open`: the front door as a function."""
    return Qpv.open(paths, **options)


def validate(paths: Sequence[Path], *, with_report: bool = True) -> tuple[list[Problem], int]:
    """Every error and warning of these catalogue files, and how many valid records they hold."""
    from .catalogue import validate as check

    return check(paths, with_report=with_report)


def _words_in_order(words: list[str], parts: list[str]) -> bool:
    """Whether `words` are among `parts`, in that order (others may come between)."""
    rest = iter(parts)
    return all(w in rest for w in words)


__all__ = ["CatalogueError", "Found", "InvalidValue", "Qpv", "Recherche", "open", "validate"]

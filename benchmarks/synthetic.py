"""Generate realistic synthetic catalogues (for scale benchmarks and tests).

Run:  python benchmarks/synthetic.py 100000 -o /tmp/synthetique-100k.toml [--seed 1] [--stats]

The text is not the report recombined: it has a vocabulary of its own that grows with the
catalogue, as a real one does.
- Words: function words (de, la, les, et…) make ~43 % of the running text; the other words are
  drawn by rank from a Zipf-Mandelbrot law, P(rank >= r) = (1 + r/Q) ** -(S - 1), over an
  unbounded vocabulary. A third of the frequent ranks are the report's own words, in the order
  of their frequency there; the others are French-looking words made from syllables (accents,
  suffixes, plurals, a few hyphenated compounds), elided after le/la/de/que (« l'… », « d'… »).
  The number of distinct words grows with the catalogue (Heaps' law): ~13,000 at 1,000
  records, ~55,000 at 10,000, ~290,000 at 100,000 (see --stats).
- A share of whole sentences comes verbatim from the report, and a list of phrases of the
  field (« jardin partagé », « îlots de fraîcheur », « vélo »…) is sprinkled in, so that real
  queries find real-looking records.
- Lengths: titles 5-12 words, descriptions 60-150, méthode and résultats 20-80.
- Places: a pool of communes (2,000 + n/4, up to 36,000) made from syllables and French
  patterns (Saint-…, …-sur-…, Le …), each in a real département (src/qpvcli/territoires.py),
  drawn with a Zipf law (big towns come back often). Partners: a pool of organisations
  (3,000 + n/5) built from those places and patterns (« Association … », « Régie de quartier
  de … », « Office public de l'habitat … », acronyms), the report's own partners first.
  Neighbourhood names (for « echelle »): a pool of 1,000 + n/10.

The file refers to the report's actions: load it with the bundled catalogue (--data). The
command line streams the records to the file, so 1,000,000 records take no more memory than
1,000 beyond its word lists (1,000,000 records: 2 to 3 minutes, 1.9 GB, 1.8 million distinct
words, 160 MB of memory at most; 100,000 records: ~14 s, 189 MB, ~290,000 distinct words).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import re
import sys
import time
import unicodedata
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from qpvcli.catalogue import load_bundled
from qpvcli.territoires import DEPARTEMENTS

# Zipf-Mandelbrot law of the content words: exponent S, offset Q (Q keeps the top words from
# taking too much of the text: the 100 most frequent make ~25 % of the content words).
S = 1.7
Q = 40.0
# A function word follows a content word with probability 0.65, another function word with
# probability 0.15: ~43 % of the running words, and no long runs of « de la à les ».
FUNC_AFTER_CONTENT = 0.65
FUNC_AFTER_FUNC = 0.15

# French function words with rough relative frequencies (elidable ones handled apart).
FUNCTION_WORDS = {
    "de": 60, "la": 30, "le": 24, "les": 28, "et": 28, "des": 25, "à": 18, "en": 14, "du": 12, "pour": 10,
    "un": 9, "une": 9, "dans": 8, "avec": 7, "sur": 7, "par": 6, "au": 6, "aux": 5, "qui": 5, "que": 4,
    "est": 4, "sont": 3, "ou": 3, "plus": 3, "leur": 3, "leurs": 2, "ce": 2, "cette": 2, "ces": 2, "entre": 2,
    "sans": 1, "son": 1, "sa": 1, "ses": 1, "tout": 1, "tous": 1, "afin": 1, "ainsi": 1, "mais": 1, "comme": 1,
    "lors": 1, "vers": 1, "chez": 1, "depuis": 1, "auprès": 1, "notamment": 1, "également": 1, "très": 1,
}  # fmt: skip
ELIDED = {"de": "d'", "le": "l'", "la": "l'", "que": "qu'"}
VOWEL_START = frozenset("aeiouyhéèêàâîôûAEIOUYHÉÈÊÀÂÎÔÛ")

# Phrases of the field, so that the queries users type find something.
FIELD_PHRASES = [
    "îlots de fraîcheur", "îlot de fraîcheur", "jardin partagé", "jardins partagés", "vélo", "vélos", "piste cyclable",
    "atelier vélo", "conciergerie solidaire", "concierge de quartier", "compostage collectif", "composteur",
    "végétalisation", "cour oasis", "désimperméabilisation", "récupération des eaux pluviales", "toiture végétalisée",
    "précarité énergétique", "rénovation thermique", "punaises de lit", "participation citoyenne", "budget participatif",
    "insertion professionnelle", "chantier d'insertion", "économie sociale et solidaire", "recyclerie", "ressourcerie",
    "réemploi des matériaux", "biodiversité urbaine", "trame verte", "mobilités actives", "marche à pied",
    "vagues de chaleur", "canicule", "inondation", "diagnostic en marchant", "maison du projet", "tiers-lieu",
    "épicerie solidaire", "alimentation durable", "agriculture urbaine", "ferme urbaine", "circuits courts",
    "éducation populaire", "fresque du climat", "cartographie des vulnérabilités", "bailleur social",
    "renouvellement urbain", "NPNRU", "QPV", "centre social", "régie de quartier", "médiation", "santé environnementale",
    "qualité de l'air", "bruit", "ombrage", "arbres d'alignement", "forêt urbaine", "micro-forêt", "permis de végétaliser",
    "fontaine", "brumisateur", "rafraîchissement", "sobriété énergétique", "autoconsommation collective",
    "panneaux photovoltaïques", "réseau de chaleur", "économie circulaire", "emploi local", "jeunes des quartiers",
]  # fmt: skip


def _list(text: str) -> list[str]:
    return text.split()


ONSETS = _list(
    "b c d f g j l m n p r s t v ch br cr dr fr gr pr tr bl cl fl pl gu qu ph vr l r m n p t s d v c l r m n s t"
)
# Mostly plain vowels: accents on about one syllable in eight, as in running French.
NUCLEI = _list("a a a e e e i i i o o o u u ou ai au eu oi an en in on a e i o a e i o é é è ê â ô î ie")
CODAS = ["", "", "", "", "", "r", "l", "n", "s", "t", "c", "x", "m"]
SUFFIXES = _list(
    "tion ment age ité eur euse ière ier elle ette isme iste able ique aire oir oire ance ence ure ade ée é al "
    "aux if ive eux on ois oise erie ard ude esse ien ienne ance ement ation"
)
TOWN_ENDINGS = _list(
    "ville court ac ay y ieux an ans argues heim ange ières ois on euil ec oux ol al at é es ville ac y ay"
)
RIVERS = _list(
    "Loire Seine Marne Oise Saône Rhône Garonne Dordogne Lot Aisne Meuse Moselle Vienne Cher Indre Sarthe Orne Somme Allier Isère Yonne Aube Dore Tarn Aveyron Lez Vilaine"
)
FIRST_NAMES = _list(
    "Marie Nathalie Isabelle Sylvie Catherine Sophie Christine Céline Julie Sandrine Camille Léa Manon Inès Chloé "
    "Sarah Emma Fatima Aïcha Amina Karima Mélanie Aurélie Claire Hélène Élodie Laure Anne Lucie Nadia "
    "Jean Pierre Michel Philippe Alain Nicolas Christophe Laurent Thomas Julien David Mohamed Karim Rachid "
    "Mehdi Youssef Sébastien Frédéric Stéphane Olivier Antoine Hugo Lucas Louis Mathieu Benoît Jérôme Yann "
    "Théo Maxime Bruno Patrick François Éric Damien"
)
FUNCTIONS = [
    "chargée de mission", "chargé de mission", "cheffe de projet", "chef de projet", "directrice", "directeur",
    "coordinatrice", "coordinateur", "responsable du pôle", "délégué du préfet", "déléguée du préfet",
    "chargée de développement", "animateur", "animatrice", "référente politique de la ville", "médiateur",
]  # fmt: skip
NIVEAUX = ["site", "quartier", "quartier", "quartier", "commune", "commune", "intercommunalite", "departement"]


def ascii_slug(text: str, sep: str = "") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", sep, plain).strip(sep)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;:!?])\s+", text) if len(s.split()) >= 4]


class ZipfPool:
    """A finite pool of items drawn with probability ~ 1 / (rank + q) ** s."""

    def __init__(self, items: Sequence[str], s: float = 1.0, q: float = 3.0) -> None:
        self.items = list(items)
        total, cum = 0.0, []
        for r in range(len(self.items)):
            total += 1.0 / (r + 1 + q) ** s
            cum.append(total)
        self.cum, self.total = cum, total

    def draw(self, rnd: Callable[[], float]) -> str:
        return self.items[bisect(self.cum, rnd() * self.total)]


class Generator:
    def __init__(self, n: int, seed: int = 1) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.wrng = random.Random(seed * 7919 + 13)  # makes words, in the order they first appear
        rnd = self.rng.random
        self.rnd = rnd
        cat = load_bundled()
        ex = list(cat.exemples)
        texts = [t for e in ex for t in (e.titre, e.description, e.methode or "", e.resultats or "")]
        self.report_sentences = [s for t in texts for s in sentences(t) if len(s.split()) <= 30]
        self.report_titles = [e.titre for e in ex if len(e.titre.split()) <= 8]
        counts = Counter(
            w for t in texts for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", t) if w.lower() not in FUNCTION_WORDS
        )
        # Report words, most frequent first (lower case unless a proper noun or acronym).
        self.real_words = [w for w, c in counts.most_common() if len(w) > 2 and (c > 1 or w.islower())]
        self.used: set[str] = set(FUNCTION_WORDS) | set(self.real_words)
        self.words: dict[int, str] = {}
        self.func_table = [w for w, f in FUNCTION_WORDS.items() for _ in range(f)]
        self.phrases = ZipfPool(FIELD_PHRASES, 1.0, 5.0)
        self.actions = sorted(a.numero for a in cat.actions)

        codes = list(DEPARTEMENTS)
        n_communes = min(36000, 2000 + n // 4)
        real_towns = sorted({t.nom for e in ex for t in e.territoires if t.departement})
        communes: list[tuple[str, str]] = [
            (t.nom, t.departement) for e in ex for t in e.territoires if t.departement and t.nom in real_towns
        ]
        communes = list(dict.fromkeys(communes))
        names = {c for c, _ in communes}
        while len(communes) < n_communes:
            name = self.town_name()
            if name not in names:
                names.add(name)
                communes.append((name, self.wrng.choice(codes)))
        self.communes = ZipfPool([f"{i}" for i in range(len(communes))], 1.0, 10.0)
        self.commune_list = communes

        n_orgs = 3000 + n // 5
        orgs = list(dict.fromkeys(p for e in ex for p in e.partenaires if len(p) < 80))
        seen = set(orgs)
        while len(orgs) < n_orgs:
            org = self.organisation()
            if org not in seen:
                seen.add(org)
                orgs.append(org)
        self.orgs = ZipfPool(orgs, 1.0, 20.0)
        self.quartiers = ZipfPool(
            list(dict.fromkeys(self.cap(self.make_word(2, suffix=0.4)) for _ in range(1000 + n // 10))), 1.0, 20.0
        )
        self.surnames = [self.cap(self.make_word(2 + (i % 2), suffix=0.3)) for i in range(2000 + n // 20)]

    # ---- words -------------------------------------------------------------------------

    def make_word(self, nsyl: int, suffix: float = 0.45) -> str:
        r = self.wrng.random
        choice = self.wrng.choice
        parts = []
        for i in range(nsyl):
            onset = "" if i == 0 and r() < 0.2 else choice(ONSETS)
            coda = choice(CODAS) if i == nsyl - 1 else ""
            parts.append(onset + choice(NUCLEI) + coda)
        if r() < suffix:
            if parts[-1][-1] not in "aeiouéèêâôîy":
                parts[-1] = parts[-1][:-1] or parts[-1]
            end = choice(SUFFIXES)
            if end[0] in "aeiouéè" and parts[-1][-1] in "aeiouéèêâôîy":
                end = choice(ONSETS) + end
            parts.append(end)
        return "".join(parts)

    def content(self, rank: int) -> str:
        """The content word of this rank: every third one of the first ranks is the report's."""
        if rank % 3 == 0 and rank // 3 < len(self.real_words):
            return self.real_words[rank // 3]
        word = self.words.get(rank)
        if word is None:
            nsyl = 1 + int(math.log10(rank + 10) / 1.6) + (self.wrng.random() < 0.4)
            word = self.make_word(nsyl)
            while word in self.used:
                word += self.make_word(1, suffix=0)
            if self.wrng.random() < 0.02:  # compound: « porte-… », « …-relais »
                word = f"{word}-{self.make_word(2, suffix=0.3)}"
            self.used.add(word)
            self.words[rank] = word
        return word

    def cap(self, word: str) -> str:
        return word[:1].upper() + word[1:]

    def town_name(self) -> str:
        r = self.wrng.random()
        root = self.cap(self.make_word(1 + (self.wrng.random() < 0.6), suffix=0))
        if r < 0.6:
            return root + self.wrng.choice(TOWN_ENDINGS)
        if r < 0.72:
            return f"Saint-{self.cap(self.make_word(2, suffix=0.2))}"
        if r < 0.82:
            return f"{root}-sur-{self.wrng.choice(RIVERS)}"
        if r < 0.9:
            return f"{self.wrng.choice(['Le', 'La', 'Les'])} {root}"
        if r < 0.95:
            return f"{root}-en-{self.cap(self.make_word(2, suffix=0))}"
        return f"{root}-les-{self.wrng.choice(['Bains', 'Mines', 'Bois', 'Ponts', 'Vignes'])}"

    def organisation(self) -> str:
        town = self.wrng.choice(self.commune_list)[0] if hasattr(self, "commune_list") else self.town_name()
        dep = DEPARTEMENTS[self.wrng.choice(list(DEPARTEMENTS))][0]
        word = self.cap(self.make_word(2, suffix=0.5))
        acronym = "".join(self.wrng.choice("ABCDEFGHIJLMNOPRSTUV") for _ in range(self.wrng.randint(3, 5)))
        patterns = [
            f"Association {word} {town}",
            f"Association des habitants de {town}",
            f"Association {word} et {self.cap(self.make_word(2))}",
            f"Régie de quartier de {town}",
            f"Office public de l'habitat de {dep}",
            f"Office public de l'habitat {town} {word}",
            f"{dep} Habitat",
            f"{town} Habitat",
            f"Ville de {town}",
            f"Communauté d'agglomération de {town}",
            f"Métropole de {town}",
            f"Centre social {word}",
            f"Maison de quartier {word}",
            f"Conseil départemental de {dep}",
            f"Compagnie {word}",
            f"Collectif {word}",
            f"SCIC {word}",
            f"Fondation {word}",
            acronym,
            acronym,
            f"{acronym} {town}",
        ]
        return self.wrng.choice(patterns)

    # ---- text --------------------------------------------------------------------------

    def words_run(self, count: int, after_function: bool = True) -> list[str]:
        rnd = self.rnd
        func = self.func_table
        nfunc = len(func)
        content = self.content
        nreal = len(self.real_words)
        expo = -1.0 / (S - 1.0)
        out: list[str] = []
        prev_func = after_function
        prev_elidable = False
        for _ in range(count):
            if rnd() < (FUNC_AFTER_FUNC if prev_func else FUNC_AFTER_CONTENT):
                w = func[int(rnd() * nfunc)]
                out.append(w)
                prev_func, prev_elidable = True, w in ELIDED
                continue
            rank = int(Q * ((1.0 - rnd()) ** expo - 1.0))
            w = content(rank)
            synthetic = rank % 3 or rank // 3 >= nreal
            if synthetic and rnd() < 0.15 and w[-1] not in "sxz":
                w += "x" if w.endswith(("eau", "au")) else "s"
            if prev_elidable and w[0] in VOWEL_START:
                out[-1] = ELIDED[out[-1]] + w
            else:
                out.append(w)
            prev_func = prev_elidable = False
        return out

    def sentence(self, count: int) -> str:
        """A sentence of at most `count` words (fewer when words are elided)."""
        phrase = self.phrases.draw(self.rnd) if count >= 6 and self.rnd() < 0.25 else None
        words = self.words_run(count - len(phrase.split()) if phrase else count)
        if phrase:
            words.insert(self.rng.randrange(len(words) + 1), phrase)
        if len(words) > 8 and self.rnd() < 0.4:
            i = self.rng.randrange(3, len(words) - 2)
            words[i] += ","
        return self.cap(" ".join(words)) + "."

    def text(self, low: int, high: int, mean: float) -> str:
        """Sentences making between low and high words (a gaussian around mean)."""
        target = max(low, min(high, int(self.rng.gauss(mean, (high - low) / 4))))
        parts, total = [], 0
        while total < target:
            left = target - total
            if self.rnd() < 0.12:
                s = self.rng.choice(self.report_sentences)
                k = len(s.split())
                if k <= left:
                    parts.append(s)
                    total += k
                    continue
            if left < 4 and total >= low:
                break
            s = self.sentence(min(left, self.rng.randint(6, 24)))
            parts.append(s)
            total += len(s.split())
        return " ".join(parts)

    def title(self, town: str) -> str:
        """5 to 12 words, often ending with the place."""
        place = re.sub(r"^à Les ", "aux ", re.sub(r"^à Le ", "au ", f"à {town}"))
        n_place = len(place.split())
        if self.rnd() < 0.05:
            title = self.rng.choice(self.report_titles)
            if 5 <= len(title.split()) + n_place <= 12:
                return f"{title} {place}"
        with_town = n_place <= 6 and self.rnd() < 0.6
        target = self.rng.randint(5, 12) - (n_place if with_town else 0)
        words = self.phrases.draw(self.rnd).split() if self.rnd() < 0.35 else []
        words += self.words_run(max(2, target - len(words)), after_function=not words)
        words = " ".join(words).split()[:target]
        while len(words) > 1 and words[-1] in FUNCTION_WORDS:
            words.pop()
        while len(words) < target:
            words.append(self.content(int(self.rnd() * 300)))
        if with_town:
            words.append(place)
        return self.cap(" ".join(words).strip(",. "))

    # ---- records -----------------------------------------------------------------------

    def commune(self) -> tuple[str, str]:
        return self.commune_list[int(self.communes.draw(self.rnd))]

    def echelle(self, niveau: str, town: str, dep: str) -> str:
        word = self.quartiers.draw(self.rnd)
        match niveau:
            case "site":
                return self.rng.choice(
                    [f"École {word}", f"Friche {word}", f"Résidence {word}", "Équipement de quartier"]
                )
            case "quartier":
                return self.rng.choice([f"Quartier {word}", f"QPV {word}", f"Quartier {word} en NPNRU", f"Cité {word}"])
            case "commune":
                return f"Ville de {town}"
            case "intercommunalite":
                return self.rng.choice([f"Métropole de {town}", f"Agglomération de {town}", f"EPT {word}"])
            case _:
                return self.rng.choice(
                    [f"Département {DEPARTEMENTS[dep][0]}", f"{self.rng.randint(2, 40)} 000 logements"]
                )

    def record(self, i: int, width: int) -> str:
        rnd, rng = self.rnd, self.rng
        places = [self.commune() for _ in range(1 + (rnd() < 0.15))]
        town, dep = places[0]
        niveau = rng.choice(NIVEAUX)
        partners = list(dict.fromkeys(self.orgs.draw(rnd) for _ in range(rng.randint(1, 5))))
        q = json.dumps
        lines = [
            "[[exemples]]",
            f'id = "synthetique-{i:0{width}d}"',
            f"action = {rng.choice(self.actions)}",
            f"titre = {q(self.title(town), ensure_ascii=False)}",
            f"description = {q(self.text(60, 150, 100), ensure_ascii=False)}",
            f"partenaires = {q(partners, ensure_ascii=False)}",
            f"echelle = {q(self.echelle(niveau, town, dep), ensure_ascii=False)}",
            f'niveau = "{niveau}"',
            "territoires = [",
        ]
        for name, code in places:
            lines.append(
                f"  {{ nom = {q(name, ensure_ascii=False)}, departement = {q(code)}, "
                f"region = {q(DEPARTEMENTS[code][1], ensure_ascii=False)} }},"
            )
        lines += [
            "]",
            f"methode = {q(self.text(20, 80, 45), ensure_ascii=False)}",
            f"resultats = {q(self.text(20, 80, 45), ensure_ascii=False)}",
        ]
        if rnd() < 0.5:
            amount = rng.choice([0, 5000, 18000, 45000, 100000, 297000, 1492000, 4600000])
            cout = f"{amount:,} €".replace(",", " ") if amount else "libre accès"
            lines += [f"cout = {q(cout, ensure_ascii=False)}", f"cout_eur = {amount}"]
        if rnd() < 0.7:
            first, last = rng.choice(FIRST_NAMES), rng.choice(self.surnames)
            domain = ascii_slug(partners[0], "-")[:30].strip("-") or "exemple"
            email = f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}.fr"
            lines += [
                "contacts = [",
                f"  {{ nom = {q(f'{first} {last}', ensure_ascii=False)}, fonction = {q(rng.choice(FUNCTIONS), ensure_ascii=False)}, email = {q(email)} }},",
                "]",
            ]
        lines.append("")
        return "\n".join(lines) + "\n"


HEADER = '[catalogue]\ntitre = "Catalogue synthétique pour les mesures de qpv"\nversion_schema = 1\n\n'


def write(out: TextIO, n: int, seed: int = 1) -> None:
    """Stream a catalogue of n records to out."""
    gen = Generator(n, seed)
    width = max(6, len(str(n - 1)))
    out.write(HEADER)
    for i in range(n):
        out.write(gen.record(i, width))


def generate(n: int, seed: int = 1) -> str:
    buf = io.StringIO()
    write(buf, n, seed)
    return buf.getvalue()


_WORD = re.compile(r"\w+")
_VALUE = re.compile(r'"((?:[^"\\]|\\.)*)"')


def distinct_words(path: Path) -> tuple[int, int]:
    """Distinct words (lower-cased runs of letters and digits, as a unicode61 tokenizer splits
    them) and word count in the string values of a catalogue file."""
    seen: set[str] = set()
    total = 0
    with path.open(encoding="utf-8") as f:
        for line in f:
            for value in _VALUE.findall(line):
                words = _WORD.findall(value.lower())
                total += len(words)
                seen.update(words)
    return len(seen), total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stats", action="store_true", help="count the distinct words of the file (a second pass)")
    args = parser.parse_args()
    start = time.perf_counter()
    with args.output.open("w", encoding="utf-8", buffering=1 << 20) as f:
        write(f, args.n, args.seed)
    seconds = time.perf_counter() - start
    size = args.output.stat().st_size
    print(
        f"{args.n} exemples -> {args.output} ({size / 1e6:.1f} Mo, {size} octets) en {seconds:.1f} s", file=sys.stderr
    )
    if args.stats:
        distinct, total = distinct_words(args.output)
        print(f"{distinct} mots distincts sur {total} mots", file=sys.stderr)


if __name__ == "__main__":
    main()

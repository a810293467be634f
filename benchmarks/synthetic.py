"""Generate realistic synthetic catalogues (for scale benchmarks and tests).

Run:  python benchmarks/synthetic.py 100000 -o /tmp/synthetique-100k.toml [--seed 1]
Records are recombined from the report's own sentences, partners and places, so that the
vocabulary, the word frequencies and the record lengths (~80-120 words) look like real ones.
The file refers to the report's actions: load it with the bundled catalogue (--data).
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

from qpvcli.catalogue import load_bundled
from qpvcli.export.toml import record_lines
from qpvcli.territoires import DEPARTEMENTS

TOWNS = [
    "Amiens", "Angers", "Arras", "Aubervilliers", "Avignon", "Besançon", "Béziers", "Bordeaux", "Bourges", "Brest",
    "Caen", "Calais", "Clermont-Ferrand", "Colmar", "Dijon", "Évry", "Grigny", "Le Havre", "Le Mans", "Lens",
    "Limoges", "Lorient", "Lyon", "Marseille", "Meaux", "Metz", "Montbéliard", "Mulhouse", "Nancy", "Nantes",
    "Nice", "Nîmes", "Orléans", "Pau", "Perpignan", "Poitiers", "Reims", "Rennes", "Roubaix", "Rouen",
    "Saint-Étienne", "Saint-Nazaire", "Sarcelles", "Strasbourg", "Toulouse", "Tourcoing", "Tours", "Troyes",
    "Valence", "Valenciennes", "Vaulx-en-Velin", "Vénissieux",
]  # fmt: skip


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;:])\s+", text) if len(s.split()) >= 4]


def generate(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    cat = load_bundled()
    ex = list(cat.exemples)
    pool_sentences = [s for e in ex for f in (e.description, e.methode or "", e.resultats or "") for s in sentences(f)]
    pool_titles = [e.titre for e in ex]
    pool_partners = sorted({p for e in ex for p in e.partenaires})
    pool_echelles = sorted({e.echelle for e in ex if e.echelle})
    codes = [c for c in DEPARTEMENTS if len(c) == 2]
    out = [
        "[catalogue]",
        'titre = "Catalogue synthétique pour les mesures de qpv"',
        "version_schema = 1",
        "",
    ]
    for i in range(n):
        model = rng.choice(ex)
        town = rng.choice(TOWNS)
        code = rng.choice(codes)
        words = rng.choice(pool_titles).split()
        cut = rng.randint(max(3, len(words) // 2), len(words))
        record = {
            "id": f"synthetique-{i:06d}",
            "action": model.action,
            "titre": " ".join(words[:cut]) + f" à {town}",
            "description": " ".join(rng.sample(pool_sentences, 3)),
            "partenaires": rng.sample(pool_partners, rng.randint(1, 4)),
            "echelle": rng.choice(pool_echelles),
            "niveau": rng.choice(["site", "quartier", "commune", "intercommunalite"]),
            "territoires": [{"nom": town, "departement": code, "region": DEPARTEMENTS[code][1]}],
            "methode": rng.choice(pool_sentences),
            "resultats": rng.choice(pool_sentences),
        }
        if rng.random() < 0.5:
            record["cout_eur"] = rng.choice([0, 5000, 18000, 100000, 297000, 1492000])
            record["cout"] = f"{record['cout_eur']} €" if record["cout_eur"] else "libre accès"
        if rng.random() < 0.7:
            record["contacts"] = [{"email": f"contact{i}@exemple.fr"}]
        out += ["[[exemples]]", *record_lines(record), ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.output.write_text(generate(args.n, args.seed), encoding="utf-8")
    print(f"{args.n} exemples -> {args.output} ({args.output.stat().st_size / 1e6:.1f} Mo)")


if __name__ == "__main__":
    main()

"""A reproducible synthetic corpus of cluneal-like text, sized in chunks, for scaling benchmarks.

Each section is a ``## heading`` and one paragraph short enough to be a single chunk, so a corpus
of ``n`` sections indexes as (about) ``n`` chunks; the benchmark reports the exact count. The text
reuses the corpus's vocabulary so BM25, the embedder and the answerer do realistic work.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

SECTIONS_PER_DOCUMENT = 100

NERVES = ("the superior cluneal nerve", "the middle cluneal nerve", "the SCN", "the cluneal nerve branch")
SITES = (
    "the iliac crest",
    "the thoracolumbar fascia",
    "the osteofibrous tunnel",
    "the posterior superior iliac spine",
    "the long posterior sacroiliac ligament",
)
SYMPTOMS = (
    "a burning ache",
    "sharp stabbing pain",
    "tingling and numbness",
    "a knife-like jolt",
    "a deep throbbing soreness",
    "pins and needles",
)
REGIONS = ("the upper buttock", "the low back", "the top of the hip", "the side of the thigh", "the sacrum")
AGGRAVATORS = (
    "standing",
    "sitting on hard chairs",
    "bending backwards",
    "long drives",
    "twisting",
    "running",
)
RELIEVERS = ("bending forward", "lying on the other side", "rest", "a soft cushion", "gentle stretching")
TESTS = (
    "a diagnostic nerve block",
    "an ultrasound-guided injection",
    "a Tinel test",
    "palpation of the trigger point",
)
TREATMENTS = (
    "radiofrequency ablation",
    "a steroid injection",
    "nerve decompression surgery",
    "physical therapy",
    "pulsed radiofrequency",
    "a lidocaine patch",
    "neurolysis",
)
SELF_CARE = (
    "ice packs",
    "heat wraps",
    "core strengthening",
    "pelvic tilts",
    "a lumbar roll",
    "posture breaks",
)
STUDIES = ("case series", "small trial", "retrospective review", "cohort study")
UNITS = ("weeks", "months")

TEMPLATES = (
    "{nerve} can become trapped where it crosses {site}, which causes {symptom} in {region}.",
    "Patients often describe {symptom} that gets worse with {aggravator} and eases with {reliever}.",
    "{test} helps confirm the diagnosis when imaging of the spine looks normal.",
    "{treatment} gave relief for {n} {unit} in a {study} of {m} patients.",
    "Clinicians suggest {selfcare} alongside {treatment} when {symptom} persists.",
    "Compression at {site} is more common after weight gain, tight belts or a fall onto {region}.",
    "If {symptom} spreads below the knee, another cause than {nerve} should be considered.",
    "About {pct} percent of people in one {study} improved after {treatment}.",
)


def _sentence(rng: random.Random) -> str:
    text = rng.choice(TEMPLATES).format(
        nerve=rng.choice(NERVES),
        site=rng.choice(SITES),
        symptom=rng.choice(SYMPTOMS),
        region=rng.choice(REGIONS),
        aggravator=rng.choice(AGGRAVATORS),
        reliever=rng.choice(RELIEVERS),
        test=rng.choice(TESTS),
        treatment=rng.choice(TREATMENTS),
        selfcare=rng.choice(SELF_CARE),
        study=rng.choice(STUDIES),
        unit=rng.choice(UNITS),
        n=rng.randint(2, 24),
        m=rng.randint(8, 400),
        pct=rng.randint(20, 90),
    )
    return text[0].upper() + text[1:]


def write_corpus(folder: Path, n_sections: int, seed: int = 7) -> list[Path]:
    """Write ``n_sections`` sections of synthetic text as Markdown files plus a manifest.

    Args:
        folder: Destination (created); existing ``synthetic-*`` files are replaced.
        n_sections: Number of sections; each becomes one chunk.
        seed: The only source of randomness: the same seed gives the same corpus.

    Returns:
        The document paths written.
    """
    if n_sections <= 0:
        raise ValueError(f"n_sections must be greater than 0. Currently, it is {n_sections}.")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("synthetic-*.md"):
        old.unlink()
    paths, entries = [], []
    for doc_index in range(0, n_sections, SECTIONS_PER_DOCUMENT):
        number = doc_index // SECTIONS_PER_DOCUMENT + 1
        lines = []
        for section in range(doc_index, min(doc_index + SECTIONS_PER_DOCUMENT, n_sections)):
            topic = rng.choice(TREATMENTS + SITES + SYMPTOMS)
            lines.append(f"## Note {section + 1}: {topic}")
            lines.append(" ".join(_sentence(rng) for _ in range(rng.randint(3, 5))))
        path = folder / f"synthetic-{number:04d}.md"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
        entries.append({"id": path.stem, "file": path.name, "title": f"Synthetic cluneal notes {number}"})
    (folder / "manifest.json").write_text(json.dumps({"documents": entries}, indent=1), encoding="utf-8")
    return paths

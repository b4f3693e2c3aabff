"""The verifier of generated answers: markers, figures, lexical and embedding support.

Fast tests use the deterministic hash embedder on real corpus passages; the slow test redoes the
threshold calibration with the real MiniLM and checks the separation stated in assistant/verify.py.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from assistant.chunk import chunk_corpus
from assistant.embed import HashEmbeddings
from assistant.ingest import load_corpus
from assistant.lexical import BM25Index, tokenize
from assistant.records import Chunk, Passage
from assistant.settings import PROJECT_ROOT
from assistant.verify import Thresholds, Verifier, figures, parse_markers, split_generated, strip_markers


@dataclass
class Corpus:
    chunks: list[Chunk]
    idf: BM25Index

    def passage(self, phrase: str) -> Passage:
        """The passage containing a verbatim phrase of the corpus."""
        hits = [c for c in self.chunks if phrase in c.text]
        assert len(hits) == 1, f"{phrase!r} is in {len(hits)} chunks"
        return Passage(hits[0], 1.0)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    chunks = chunk_corpus(load_corpus(PROJECT_ROOT / "corpus"))
    return Corpus(chunks, BM25Index().fit([c.text for c in chunks]))


@pytest.fixture(scope="module")
def verifier(corpus: Corpus) -> Verifier:
    return Verifier(HashEmbeddings(), idf=corpus.idf)


@pytest.fixture(scope="module")
def passages(corpus: Corpus) -> list[Passage]:
    """Five passages, as the answerer would number them [1]..[5]."""
    return [
        corpus.passage("Applying ice to the area of localized tenderness"),
        corpus.passage("Ultrasound-guided SCN/MCN block using"),
        corpus.passage("Pharmacologic therapy, including NSAIDs"),
        corpus.passage("Oral neuropathic agents (gabapentin, duloxetine)"),
        corpus.passage("The inferior cluneal nerves (ICN) are distal branches"),
    ]


ICE = (
    "Applying ice to the area of localized tenderness for 15 to 20 minutes can help reduce "
    "inflammation, while heat can soothe muscle spasms in the surrounding lumbar and gluteal muscles."
)
GENTLE = "Gentle, non-aggressive movement is crucial for encouraging the nerve to glide and reducing local inflammation."
BLOCK = "Provides immediate relief in 70–90 %; median duration 6–8 weeks."


# --- figures -------------------------------------------------------------------------------


def test_figures_reads_doses_ranges_percentages_and_number_words() -> None:
    found = figures("Take 900 mg of gabapentin three times a day; 1–2 mL of 1 % lidocaine for ≥30 minutes.")
    assert found.numbers == {"900", "3", "1", "2", "30"}
    assert {("900", "mg"), ("1", "ml"), ("2", "ml"), ("1", "%"), ("30", "minute")} <= found.quantities


def test_figures_normalises_spelling_of_the_same_number() -> None:
    assert figures("six to eight weeks") == figures("6–8 weeks")
    assert figures("40 percent") == figures("40 %")
    assert figures("1,000 people").numbers == {"1000"}
    assert figures("0.50 % bupivacaine").numbers == {"0.5"}


def test_words_that_contain_number_words_are_not_numbers() -> None:
    assert figures("muscle tension is often eased, tenfold").numbers == frozenset()
    assert figures("one of the nerves").numbers == frozenset()  # "one" is mostly a pronoun


def test_spinal_levels_are_their_own_figures() -> None:
    found = figures("They emerge from spinal roots T12–L3 and S1–S3.")
    assert found.levels == {"t12", "l3", "s1", "s3"}
    assert figures("T11 to L4").missing_from(found) == ["L4", "T11"]


def test_a_number_with_the_wrong_unit_is_missing() -> None:
    passage = figures(ICE)
    assert figures("Ice for 15 to 20 hours").missing_from(passage) == ["15 hour", "20 hour"]
    assert figures("Ice for 15-20 min").missing_from(passage) == []


def verify_threshold() -> float:
    return Thresholds().lexical


# --- markers and sentences -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Ice helps [1].", [1]),
        ("Ice helps [2][3].", [2, 3]),
        ("Ice helps [1, 4].", [1, 4]),
        ("Ice helps [2-4].", [2, 3, 4]),
        ("Ice helps [Passage 2].", [2]),
        ("Ice helps.", []),
        ("Ice helps [1-999].", [1, 999]),  # not a range: 999 is then an invalid marker
    ],
)
def test_parse_markers(sentence: str, expected: list[int]) -> None:
    assert parse_markers(sentence) == expected


def test_markers_after_the_full_stop_stay_with_their_sentence() -> None:
    sentences = split_generated(
        "Ice helps. [1] Heat soothes spasms. [2][3]\n- Rest often [4]\n1. Move gently [5]"
    )
    assert [parse_markers(s.text) for s in sentences] == [[1], [2, 3], [4], [5]]
    assert [strip_markers(s.text) for s in sentences] == [
        "Ice helps.",
        "Heat soothes spasms.",
        "Rest often",
        "Move gently",
    ]
    assert [s.bullet for s in sentences] == [False, False, True, True]


def test_reasoning_models_thinking_is_not_verified_or_shown() -> None:
    sentences = split_generated("<think>The user wants 900 mg.</think>Ice helps [1].")
    assert [s.text for s in sentences] == ["Ice helps [1]."]


# --- the verifier --------------------------------------------------------------------------


def test_a_copied_passage_sentence_is_kept_and_quotes_its_source(
    verifier: Verifier, passages: list[Passage]
) -> None:
    report = verifier.verify(f"{ICE} [1]", passages)
    (check,) = report.checks
    assert check.kept, check.reason
    assert check.lexical == 1.0
    assert check.semantic == pytest.approx(1.0, abs=1e-5)
    assert check.quotes == ((1, ICE),)
    assert ICE in passages[0].chunk.text


def test_a_hallucinated_dose_is_removed(verifier: Verifier, passages: list[Passage]) -> None:
    report = verifier.verify("Take 900 mg of gabapentin three times a day [4].", passages)
    (check,) = report.removed
    assert "900" in check.reason and "3" in check.reason
    assert report.kept == []


def test_a_changed_number_is_removed_even_when_every_word_matches(
    verifier: Verifier, passages: list[Passage]
) -> None:
    changed = BLOCK.replace("6–8 weeks", "6–12 weeks")
    report = verifier.verify(f"{changed} [2]", passages)
    assert report.removed[0].reason.startswith("states figures its passages do not: 12")
    assert report.removed[0].lexical > verify_threshold()  # which is why numbers get their own check


def test_a_citation_to_a_passage_that_does_not_exist_is_removed(
    verifier: Verifier, passages: list[Passage]
) -> None:
    report = verifier.verify(f"{ICE} [7]", passages)
    assert report.removed[0].reason == "cites a passage that does not exist: [7]"
    assert verifier.verify(f"{ICE} [0]", passages).removed[0].reason.endswith("[0]")


def test_a_sentence_without_a_marker_is_removed(verifier: Verifier, passages: list[Passage]) -> None:
    report = verifier.verify(f"Here is what I found. {ICE} [1]", passages)
    assert [c.reason for c in report.checks] == ["no citation marker", ""]
    assert report.kept_share == 0.5


def test_a_true_sentence_cited_to_the_wrong_passage_is_removed(
    verifier: Verifier, passages: list[Passage]
) -> None:
    assert verifier.verify(f"{GENTLE} [1]", passages).checks[0].kept
    report = verifier.verify(f"{GENTLE} [5]", passages)
    assert "words" in report.checks[0].reason


def test_general_knowledge_is_removed(verifier: Verifier, passages: list[Passage]) -> None:
    report = verifier.verify(
        "Acupuncture and vitamin supplements cure the condition in most people [3].", passages
    )
    assert not report.checks[0].kept


def test_an_over_cited_sentence_cites_only_the_passage_that_backs_it(
    verifier: Verifier, passages: list[Passage]
) -> None:
    report = verifier.verify(f"{ICE} [1][5]", passages)
    (check,) = report.kept
    assert check.cited == (1, 5)
    assert check.supporting == (1,)


def test_a_sentence_backed_by_two_passages_together_cites_both(
    verifier: Verifier, passages: list[Passage]
) -> None:
    both = f"{ICE} {BLOCK}".replace(". Provides", ", and blocks provide")
    report = verifier.verify(f"{both} [1][2]", passages)
    (check,) = report.kept
    assert check.supporting == (1, 2)
    assert {n for n, _ in check.quotes} == {1, 2}


def test_passages_outside_the_unit_index_are_split_and_embedded(passages: list[Passage]) -> None:
    embedder = HashEmbeddings()
    verifier = Verifier(embedder)
    verifier.verify(f"{ICE} [1]", passages[:1])
    verifier.verify(f"{ICE} [1]", passages[:1])
    assert len(embedder.calls) == 3  # the passage once (then cached), the answer twice


def test_an_empty_answer_has_nothing_kept(verifier: Verifier, passages: list[Passage]) -> None:
    report = verifier.verify("", passages)
    assert report.checks == () and report.kept_share == 0.0


def test_thresholds_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="out of range"):
        Verifier(HashEmbeddings(), thresholds=Thresholds(lexical=1.5))


# --- calibration with the real model ---------------------------------------------------------

# (verbatim phrase locating the source passage, a faithful plain-language paraphrase)
PARAPHRASES = [
    ("up to 14 % of stubborn", "Up to 14 % of stubborn low-back aches come from the superior or middle cluneal nerves being pinched over the iliac crest."),
    ("Because routine MRIs", "Routine MRIs and spine X-rays usually look normal, so the diagnosis is often missed for years."),
    ("Superior Cluneal Nerves (SCN) emerge", "The superior cluneal nerves come from the T12–L3 spinal roots and pass through a tight opening in the thoracolumbar fascia before crossing the iliac crest."),
    ("Middle Cluneal Nerves (MCN) branch", "The middle cluneal nerves branch off S1–S3 and cross under the PSIS and over the sacroiliac ligament."),
    ("Inferior Cluneal Nerves run lower", "The inferior cluneal nerves run lower and rarely cause the sting at the top of the buttock."),
    ("Any scar tissue, bulky muscle", "Scar tissue, tight fascia or direct pressure at these bony tunnels can squeeze the nerve and cause nerve pain."),
    ("Knife-like jolt", "Patients often describe a knife-like jolt over the top of one buttock, about 6–7 cm from the midline."),
    ("Worse with standing", "The pain is often worse with standing, arching the back or long car rides."),
    ("Palpation test", "Doctors can reproduce the pain by pressing just to the side of the PSIS or over the SI ligament."),
    ("Diagnostic local anesthetic block", "A diagnostic block uses 1–2 mL of 1 % lidocaine injected at the trigger point."),
    ("Pain relief >50 %", "If the pain drops by more than 50 % for at least 30 minutes, the test is positive."),
    ("Rule-out studies", "MRI, CT or a bone scan may be used to rule out SI arthritis, a disc herniation or a stress fracture."),
    ("Topical lidocaine patches", "First-line options include myofascial release, stretching, lidocaine patches or capsaicin cream, and nerve pain medicines such as gabapentin or duloxetine."),
    ("A 2024 case series", "In a 2024 case series, graded core-stability exercises reduced daily pain scores by 40 % in six weeks."),
    ("Provides immediate relief in 70–90 %", "Image-guided nerve blocks give immediate relief in 70–90 % of patients, lasting a median of 6–8 weeks."),
    ("Repeat every 2–3 months", "The block can be repeated every 2–3 months if it works."),
    ("Persistent pain > 6 months", "If pain persists for more than 6 months despite at least 2 successful blocks, surgical decompression may be considered."),
    ("A 2023 multicenter study", "A 2023 multicenter study found good-to-excellent results in 85 % of patients after the nerve was freed."),
    ("peripheral nerve stimulation (PNS)", "In rare stubborn cases, peripheral nerve stimulation lowered average pain scores from 8.6 to 2.4 at three months."),
    ("Nerve-glide exercise", "For a nerve-glide exercise, lie on your back, pull your knee to your chest, hold for 5 seconds, then straighten your leg toward the ceiling."),
    ("Prolonged satchel", "Pressure from a bag or tool belt can be reduced by using a padded belt or shifting position every hour."),
    ("Seek a pain-medicine", "You should see a pain-medicine or spine specialist if burning over the iliac crest lasts more than 3 months or night pain disrupts your sleep."),
    ("Is cluneal nerve entrapment the same as sciatica", "Cluneal nerve entrapment is not the same as sciatica, because cluneal pain stays in the skin of the upper buttock."),
    ("Will cutting the nerve cause numbness", "Cutting the nerve may leave a small 3–5 cm patch of numb skin, but most patients prefer that to stabbing pain."),
    ("Can Pilates or yoga help", "Pilates or yoga programs that focus on a neutral spine and hip mobility can reduce irritation."),
    ("Is it common in runners", "Long-distance runners with little body fat and prominent iliac crests are at higher risk."),
    ("The experience of persistent lower back", "Persistent lower back and buttock pain is often caused by cluneal nerve entrapment."),
    ("These nerves—categorized", "The cluneal nerves are purely sensory nerves that give feeling to the skin over the upper buttocks and hip."),
    ("This entrapment causes discomfort", "The discomfort can range from a deep ache to a burning feeling that can feel like sciatica."),
    ("The superior cluneal nerves, the most commonly affected", "The superior cluneal nerves are the most commonly affected and must pass through the tough thoracolumbar fascia near the top of the pelvis."),
    ("especially the medial branches", "The nerve can get trapped in a narrow tunnel, especially the branches about 3 to 4 centimeters from the midline."),
    ("Common triggers include prolonged static postures", "Sitting for long periods is a common trigger because it can increase tension in the fascia and muscles."),
    ("Positional changes are often", "Avoid sitting directly on the painful area and take your wallet out of your back pocket."),
    ("lumbar support roll", "A lumbar support roll can help keep the natural curve of your lower back while sitting."),
    ("Applying ice to the area", "Ice on the tender area for 15 to 20 minutes can reduce inflammation, and heat can ease muscle spasms."),
    ("tennis ball or foam roller", "You can use a tennis ball or foam roller on the glutes and lower back, but do not press directly on the sensitive spot."),
    ("A modified rotational stretch", "A gentle rotational stretch, done lying on your back by bringing one knee to your chest and across your body, can help."),
    ("Dry needling", "Dry needling, which places thin needles into trigger points, can reduce muscle tension that compresses the nerve."),
    ("therapeutic ultrasound or transcutaneous", "Therapeutic ultrasound or TENS may be used to manage pain."),
    ("Strengthening exercises are also introduced", "Strengthening the core and gluteal muscles gives better support to the lower spine and pelvis."),
    ("The physician will often begin with a diagnostic nerve block", "A doctor will often start with a diagnostic nerve block, injecting a local anesthetic near the trapped nerve."),
    ("If the pain is significantly reduced immediately", "If the pain gets much better right after the injection, it confirms the cluneal nerve is the source."),
    ("radiofrequency neurotomy", "Radiofrequency neurotomy uses heat to temporarily block pain signals from the nerve."),
    ("“red flag” symptoms", "Get medical help right away if the pain comes with sudden leg weakness or loss of bladder or bowel control."),
    ("latency of onset", "The pain often starts years after the injury, not minutes or weeks."),
    ("The nerves travel over the hip bone", "The nerves are most vulnerable where they cross the hip bone at the iliac crest."),
    ("arise from the dorsal rami of approximately L1–L3", "The superior cluneal nerves arise from about L1–L3 and cross the iliac crest in tight tunnels."),
    ("originate from the dorsal rami of S1–S3", "The middle cluneal nerves start from S1–S3 and run under the long posterior sacroiliac ligament."),
    ("The inferior cluneal nerves (ICN) are distal branches", "The inferior cluneal nerves are branches of the posterior femoral cutaneous nerve."),
    ("Cluneal neuropathy typically presents as unilateral", "The pain is usually on one side and gets worse with certain postures and better with rest."),
    ("often 7–8 cm lateral", "Superior cluneal nerve pain is felt over the iliac crest and upper buttock, often 7–8 cm from the midline."),
    ("Exacerbated by lumbar extension", "It gets worse with bending backward, standing for a long time, walking or twisting."),
    ("Focal pain in the lower buttock", "Inferior cluneal pain sits in the lower buttock and is worse with sitting or cycling."),
    ("Temporary, substantial pain relief", "A 50–80% drop in pain after the block strongly supports the diagnosis."),
    ("Conventional MRI, CT, and EMG", "MRI, CT and EMG are often normal but help rule out other problems like a herniated disc."),
    ("Pharmacologic therapy, including NSAIDs", "Medicines such as NSAIDs, gabapentinoids or lidocaine patches may help a little but rarely fix the entrapment alone."),
    ("days to months of pain relief", "An injection of anesthetic and steroid around the nerve can relieve pain for days to months."),
    ("Thermal or pulsed RF ablation", "Radiofrequency ablation of the cluneal branches can relieve pain for many months with few complications."),
    ("minimal sensory loss", "Surgery has high rates of long-term improvement, with numbness limited to a small patch of skin."),
    ("T11–L4).", "The superior cluneal nerves come from the lower thoracic and upper lumbar nerves, T11–L4."),
    ("A diagnostic cluneal nerve block is often the most definitive", "A diagnostic nerve block is often the most definitive test for this condition."),
    ("Differentiation Tip", "Cluneal entrapment causes sensory symptoms like tingling and burning, while superior gluteal nerve entrapment causes weakness."),
    ("Lack of symptom relief after a nerve block", "If a nerve block does not help, the diagnosis may be wrong or a different injection site may be needed."),
    ("Tip: Avoid exercises", "Avoid exercises that arch your spine a lot or compress your lower back."),
    ("Targeted massage can improve blood flow", "Massage can improve blood flow and ease tension on the nerve."),
    ("Early diagnosis and intervention", "Early diagnosis and treatment are key to recovery."),
    ("Early intervention prevents chronic central sensitization", "Treating it early prevents central sensitization, which makes nerve pain harder to reverse."),
    ("Repeated blocks are reasonable", "Repeated blocks can be reasonable when the benefit is large but temporary."),
]  # fmt: skip

# Plausible, on-topic claims the corpus does not make.
FOREIGN = [
    "Gabapentin is usually started at 300 mg at bedtime.",
    "Most people recover completely within two weeks without any treatment.",
    "Acupuncture is the most effective treatment for cluneal nerve pain.",
    "Cluneal nerve entrapment is caused by a vitamin B12 deficiency.",
    "Drinking more water helps the nerve heal faster.",
    "Wearing high heels is the main cause of cluneal nerve entrapment.",
    "The condition is more common in women than in men.",
    "Opioids are the first-line treatment for this pain.",
    "Chiropractic adjustments can realign the nerve and cure the problem.",
    "A herniated disc is the usual cause of cluneal nerve pain.",
    "Surgery is needed in most cases.",
    "Physical therapy makes cluneal nerve pain worse and should be avoided.",
    "Magnesium supplements relieve nerve entrapment.",
    "The nerve block is performed under general anesthesia in hospital.",
    "Children are often affected by cluneal nerve entrapment.",
    "Cold weather is a common trigger for flare-ups.",
    "Sleeping on a firm mattress cures the entrapment.",
    "An MRI always shows the trapped nerve clearly.",
    "Blood tests can confirm the diagnosis.",
    "Smoking is the biggest risk factor for this condition.",
    "Pregnancy often causes cluneal nerve entrapment.",
    "Steroid tablets taken by mouth are the standard treatment.",
    "You should rest in bed for at least a week during a flare.",
    "Botox injections permanently fix the trapped nerve.",
    "Losing weight is the only way to get better.",
    "The pain usually spreads down to the foot and toes.",
    "Swimming is the best exercise for cluneal nerve pain.",
    "The condition is hereditary and runs in families.",
    "Antibiotics are prescribed to reduce the nerve infection.",
    "Stretching should be held for 60 seconds and repeated ten times.",
    "Kinesiology tape over the buttock relieves the pain within hours.",
    "Cluneal nerve entrapment can lead to paralysis if untreated.",
    "Ibuprofen 800 mg three times daily is recommended.",
    "The superior cluneal nerves control the gluteal muscles.",
    "Most patients need a spinal fusion.",
    "Cortisone injections can be repeated every week.",
    "Cluneal nerve pain is a sign of kidney disease.",
    "Yoga should be avoided completely.",
    "A TENS unit should be used for eight hours a day.",
    "This condition affects about half of all adults.",
    "Walking barefoot reduces nerve compression.",
    "The nerve regrows within three days after surgery.",
    "Massage directly on the trapped nerve is the best way to release it.",
    "Nerve entrapment is usually caused by diabetes.",
    "Heat should never be used for nerve pain.",
    "Cluneal nerve entrapment only happens after car accidents.",
    "Anti-inflammatory diets cure cluneal neuralgia.",
    "The diagnosis is made with an EMG showing muscle damage.",
]


def _calibration_cases(units: Any, chunks: list[Chunk], embed: Any) -> tuple[list[Any], list[Any]]:
    """(kind, claim, cited chunk) positives and negatives, as in verify.py's calibration note."""
    by_id = {c.chunk_id: c for c in chunks}
    rng = random.Random(7)
    positives: list[tuple[str, str, Chunk]] = []
    negatives: list[tuple[str, str, Chunk]] = []
    for phrase, paraphrase in PARAPHRASES:
        (source,) = [c for c in chunks if phrase in c.text]
        positives.append(("paraphrase", paraphrase, source))
    for unit in units.units:
        words = unit.text.split()
        if len(words) < 6 or unit.is_list:
            continue
        own = by_id[unit.chunk_id]
        first_clause = re.split(r"[,;:—–]", unit.text)[0]
        if len(first_clause.split()) >= 8:
            positives.append(("first clause", first_clause, own))
        positives.append(("words dropped", " ".join(w for i, w in enumerate(words) if i % 4 != 3), own))
        negatives.append(("wrong citation", unit.text, rng.choice([c for c in chunks if c is not own])))
        other_doc = rng.choice([c for c in chunks if c.doc_id != unit.doc_id])
        negatives.append(("wrong citation", unit.text, other_doc))
        number = re.search(r"\d+", unit.text)
        if number:
            changed = (
                unit.text[: number.start()] + str(int(number.group()) * 3 + 1) + unit.text[number.end() :]
            )
            negatives.append(("changed number", changed, own))
    for claim in FOREIGN:
        vector = np.asarray(embed(claim))
        closest = max(
            chunks,
            key=lambda c: max(
                (float(units.vectors[i] @ vector) for i in units.by_chunk.get(c.chunk_id, [])), default=-1
            ),
        )
        most_shared = max(chunks, key=lambda c: len(set(tokenize(claim)) & set(tokenize(c.text))))
        negatives += [("foreign", claim, closest), ("foreign", claim, most_shared)]
    return positives, negatives


@pytest.mark.slow
def test_calibrated_thresholds_separate_support_from_hallucination() -> None:
    from assistant.embed import MiniLMEmbeddings
    from assistant.ingest import load_corpus
    from assistant.units import UnitIndex

    documents = load_corpus(PROJECT_ROOT / "corpus")
    chunks = chunk_corpus(documents)
    embedder = MiniLMEmbeddings()
    units = UnitIndex(documents, chunks, embedder)
    verifier = Verifier(embedder, units, BM25Index().fit([c.text for c in chunks]))
    positives, negatives = _calibration_cases(units, chunks, embedder.embed_query)

    def kept(cases: list[tuple[str, str, Chunk]], kind: str | None = None) -> tuple[int, int]:
        chosen = [c for c in cases if kind is None or c[0] == kind]
        passed = sum(
            verifier.verify(f"{claim} [1]", [Passage(chunk, 1.0)]).kept_share == 1.0
            for _, claim, chunk in chosen
        )
        return passed, len(chosen)

    rates = {
        "positives": kept(positives),
        "paraphrases": kept(positives, "paraphrase"),
        "wrong citations": kept(negatives, "wrong citation"),
        "foreign claims": kept(negatives, "foreign"),
        "changed numbers": kept(negatives, "changed number"),
    }
    print({k: f"{p}/{n}" for k, (p, n) in rates.items()})
    # assistant/verify.py states the measured counts (307/313, 62/68, 0/322, 3/96, 0/26); these
    # bounds leave room for small corpus edits while still failing if the separation is lost.
    share = {k: p / n for k, (p, n) in rates.items()}
    assert share["positives"] >= 0.95
    assert share["paraphrases"] >= 0.85
    assert share["wrong citations"] <= 0.01
    assert share["foreign claims"] <= 0.05
    assert rates["changed numbers"][0] == 0

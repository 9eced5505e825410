"""Every knob of ranking and declining, in one place, with where its value came from.

The modules that use a knob import it from here (``ask``, ``analysis``, ``index``, ``scores``,
``vocabulary``, ``periods``). Figures quoted are from docs/quality.md unless said otherwise; a
change here is a change of answers: measure it on the staff set per step, and on the
independent holdout only at the end (docs/quality.md, "Which set says what").
"""
from __future__ import annotations

# --- BM25F (faqbot.scores, faqbot.index) -----------------------------------------------------
# Whoosh's defaults (B 0.75, K1 1.2) with a weaker length normalisation: short FAQ titles and
# long bodies differ a lot in length; 0.6 was the best of 0.4-0.9 on the staff set (step 1).
BM25_B = 0.6
BM25_K1 = 1.2
# Field weights: titles and the editors' alternate questions say what an item is about, the
# body says much else too (issue 2, step 1; unchanged since).
FIELD_BOOSTS = {"title": 3.0, "questions": 2.5, "tags": 1.5, "easy": 1.0, "body": 1.0,
                "context": 0.5}

# --- query expansion (faqbot.analysis) --------------------------------------------------------
# Weight of an expanded token relative to a word as typed (issue 2): a typo correction is
# nearly the word, an editor's synonym names the same concept, a compound's part less so, a
# thesaurus word (OpenThesaurus, issue 11) is trusted below an editor's synonym.
WEIGHTS = {"word": 1.0, "typo": 0.9, "synonym": 0.7, "part": 0.6, "thesaurus": 0.5}
# Words common in German at large (wordfreq Zipf >= 3) are never typo-corrected ("morgen" is
# no typo of "sorgen"; issue 2, step 2).
COMMON_ZIPF = 3.0

# --- the thesaurus (faqbot.vocabulary, issue 11) ---------------------------------------------
# Sets larger than this are vague and skipped; a thesaurus word leads to at most MAX_TARGETS
# content words; phrases of up to MAX_PHRASE words are taken. Chosen by reading samples of the
# compiled table, not by a question set.
THESAURUS_MAX_SET = 16
THESAURUS_MAX_TARGETS = 2
THESAURUS_MAX_PHRASE = 2
# A content word a set may lead to must be telling (Zipf < 4.2: not "groß", "Stufe"); a
# thesaurus word must be in use at all (Zipf >= 1.5: not "Lebensspenderin"). Also chosen by
# reading samples.
TELLING_ZIPF = 4.2
IN_USE_ZIPF = 1.5

# --- ranking (faqbot.ask, faqbot.ranking) ----------------------------------------------------
# The candidates' order is a fitted model: its weights are data, in ranking_model.json, fitted
# by bench/fit_ranking.py (issue 11, second round; it replaced the blend 0.5 * coverage + 0.3 *
# BM25F + 0.2 * fuzzy of issue 2 and the definition bonus of 0.15).
# Coverage credit of a concept matched through an expansion, relative to the typed word (issue
# 2: synonyms; issue 11: thesaurus, set below synonyms), and of a body-only match (step 3).
EXPANSION_CREDIT = {"synonym": 0.9, "thesaurus": 0.8}
BODY_CREDIT = 0.5
# In a follow-up the earlier question's words weigh 0.4, the new words decide (step 7).
FOLLOW_UP_WEIGHT = 0.4
# Any other question asked after one is read with the earlier question as context, its words
# weighing this much: enough to decide between passages the question alone cannot tell apart,
# too little to outweigh what it asks (issue 11, fifth round: of 0.15 and 0.25, on the
# training sets' follow-ups and on their standalone questions asked after an unrelated one,
# 0.15 took follow-ups from 0.734 to 0.779 Hit@1 and left the unrelated ones as they were,
# 0.929 against 0.930; since the tenth round also a question naming a word the content does
# not know).
CONTEXT_WEIGHT = 0.15
# "was bedeutet X", "X Definition", as the whole question or one of its clauses: a glossary
# term whose title is this similar (token_set_ratio) to X is marked as the definition asked for
# (a feature of the ranking model).
DEFINITION_MATCH = 85

# --- what an answer shows (faqbot.ask) -------------------------------------------------------
MAX_ANSWERS = 5
# Further answers must reach this share of the best answer's score. 0.6 was chosen in issue 2
# for the blend the ranking model replaced. The rule since (issue 11, fifth round): the lowest
# band of bench/fit_ranking.py's table in which at least one in five further passages shown is
# one of the question's right answers. Fifth round: 0.5 (band 0.5-0.6: 21 %, 0.4-0.5: 17 %).
# Eleventh round, on the training sets December u and v included: 0.4 (band 0.4-0.5: 829 of
# 3,329 passages, 25 %; 0.3-0.4: 16 %); Hit@3 of the ranking alone, classifier out of set, from
# 0.979 to 0.982, with 2.10 passages shown per answer instead of 1.78.
RELATIVE_CUTOFF = 0.4
MAX_SUGGESTIONS = 3
# A FAQ title must be this similar (token_set_ratio) to a declined question to be suggested.
SUGGESTION_CUTOFF = 55

# --- declining (faqbot.decline) --------------------------------------------------------------
# The model's weights and threshold are data, fitted by bench/fit_decline.py into
# decline_model.json (with the training sets, the cross-validated figures and the staff set's
# figures at the threshold).

# --- dates (faqbot.periods, issue 10) ---------------------------------------------------------
# A coming version is shown after today's answer when it starts within this many days (the
# issue's own figure).
UPCOMING_DAYS = 60

# Besides the search's candidates, the passage classifier's likeliest passages are ranked: up
# to 3, each at least 5 % likely (a handful more candidates cost nothing measurable; the
# ranking model decides; not tuned).
LEARNED_CANDIDATES = 3
LEARNED_MINIMUM = 0.05
# ... and the wording model's three best-scored passages, whatever their score (faqbot.wording;
# not tuned).
WORDING_CANDIDATES = 3
# A typed word this general or rarer names a topic of its own (ask.generality: "bürgergeld"
# 1.2, "minijob" 1.1, "miete" 0.76; "jahr" 0.33, "kinder" 0.40): a question starting with
# "und" that has one is a whole question, not the continuation of a missing one.
TELLING_WORD = 0.7
# A referral term (content/referrals.yaml) decides alone in a question of at most this many
# words: "Elterngeld beantragen" is about the other authority's business. A longer question
# that tells a situation names other matters in passing ("Ich habe eine Aufenthaltserlaubnis
# und ...") and goes to the decline model like any other; only if the model declines it is
# the other authority named (tenth round: over the training
# sets, every question the referral table rightly declined had at most 9 words; 18 of the 19
# in-scope questions it wrongly declined had 11 or more).
REFERRAL_WORDS = 10

"""The words of every alert (hub/data/alert-texts.yaml): each summary and recommended action rendered with
every value it can take, checked for the wording a designated nurse asked for and for grammar slips."""
from __future__ import annotations

import re
from itertools import product

from hub.core.rules import RULES, RULES_BY_ID, RulesConfig
from hub.core.rules.rules import immunisation_summary
from hub.core.rules.texts import article, counted, join, number_words, render, template, texts

CFG = RulesConfig()
T = texts()
VACCINES, INJURIES, RISKS, SERVICES, PLANS = (T[k] for k in ("vaccines", "injuries", "risk_factors", "services", "plans"))

# words that start with a vowel letter but take "a", and consonant-letter words or initialisms that take "an"
A_BEFORE = {"one", "once", "unit", "united", "usual", "use", "user", "european"}
AN_BEFORE_INITIALISMS = re.compile(r"^(?:[AEFHILMNORSX][A-Z]|MMR|MMRV|HV|LA|NHS|SCR)")


def article_slips(text: str) -> list[str]:
    slips = []
    for art, word in re.findall(r"\b([Aa]n?) ([\w/'-]+)", text):
        low = word.lower()
        initialism = len(word) > 1 and word[:2].isupper()
        vowel_sound = (bool(AN_BEFORE_INITIALISMS.match(word)) if initialism else
                       (low[0] in "aeiou" and low not in A_BEFORE and not low.startswith(("uni", "use", "usu", "eu")))
                       or low.startswith(("hour", "honest", "honour", "heir")))
        if (art.lower() == "an") != vowel_sound:
            slips.append(f"{art} {word}")
    return slips


def wording_faults(text: str) -> list[str]:
    faults = article_slips(text)
    for banned in (r"\bmissed\b", r"did not attend", r"\bDNA\b", r"non-attendance", r"\bfailed to attend"):
        if re.search(banned, text, re.I):
            faults.append(f"banned wording: {banned}")
    if "{" in text or "}" in text:
        faults.append("unfilled placeholder")
    if "  " in text or " ," in text or " ." in text or ".." in text:
        faults.append("spacing or punctuation")
    if not text[:1].isupper() or not text.endswith("."):
        faults.append("not a sentence")
    if re.search(r"\b(?:one|1) \w+s\b", text) and not re.search(r"\bone \w+'s\b", text):
        faults.append("number agreement")
    if re.search(r"\b(?:two|three|four|five|six|seven|eight|nine|ten|[2-9]) (?:appointment|review|risk factor)\b", text):
        faults.append("number agreement")
    return faults


def every_summary() -> list[str]:
    out = []
    for code in INJURIES:
        out.append(render("non-mobile-bruising", "summary_young", injury=INJURIES[code], months=6))
        out.append(render("non-mobile-bruising", "summary_assessed", injury=INJURIES[code]))
        out.append(render("injury-not-examined", "summary", injury=INJURIES[code], hours=24))
    for n in (1, 2, 3):
        for vs in product(VACCINES, repeat=n):
            out.append(immunisation_summary([(v, i + 1) for i, v in enumerate(vs)], CFG))
    for codes in product(SERVICES, repeat=3):
        counts: dict[str, int] = {}
        for c in codes:
            counts[SERVICES[c]] = counts.get(SERVICES[c], 0) + 1
        out.append(render("missed-appointments", "summary", count_words="three", days=90,
                          services=join(counted(s, k) for s, k in counts.items())))
    out.append(render("child-not-seen", "summary", days=10))
    for n in (3, 4, 11):
        out.append(render("cumulative-risk", "summary", count_words=number_words(n), months=12,
                          factors=join(list(RISKS.values())[:n])))
    for plan, key in product(PLANS.values(), ("summary_risk", "summary_not_brought", "summary_both")):
        out.append(render("unsafe-step-down", key, plan=plan, months=6))
    out.append(render("serious-incident", "summary_child-found-unsupervised"))
    out.append(render("serious-incident", "summary_parent-intoxicated-in-charge", years=5))
    for service, key in product(SERVICES.values(), ("summary_noshow", "summary_cancelled")):
        out.append(render("was-not-brought", key, service=service))
    for n in (1, 2, 3):
        factors = [v for k, v in RISKS.items() if k != "parent-care-history"][:n]
        out.append(render("parental-history", "summary", factors=join(factors), were="was" if n == 1 else "were",
                          months=12))
    for rel in T["relationships"].values():
        out.append(render("relationship-changed", "summary", relationship=rel))
    return out


def test_every_rule_has_a_title_summary_and_recommended_action_in_the_data_file():
    assert set(T["rules"]) == set(RULES_BY_ID)
    for rule in RULES:
        entry = T["rules"][rule.id]
        assert entry["title"] and any(k.startswith("summary") for k in entry)
        assert rule.recommended_action == template(rule.id, "recommended_action")


def test_every_rendered_text_is_worded_as_a_designated_nurse_would_sign_it():
    rendered = every_summary() + [r.recommended_action for r in RULES] + [template(r.id, "title") + "." for r in RULES]
    assert len(rendered) > 1000  # every vaccine, injury, service, plan and count the rules can put in
    faults = {text: f for text in rendered if (f := wording_faults(text))}
    assert faults == {}


def test_the_checker_catches_the_slips_it_is_for():
    assert article_slips("A injury was seen.") == ["A injury"]
    assert article_slips("an burn, a MMR, an PCV, a hour") == ["an burn", "a MMR", "an PCV", "a hour"]
    assert article_slips("an injury, a burn, an MMR, a PCV, a GP, an hour, a unit") == []
    assert "banned wording: \\bmissed\\b" in wording_faults("Three appointments missed.")
    assert wording_faults("The child was not brought to three appointment.") == ["number agreement"]


def test_articles_follow_the_sound():
    assert [article(x) for x in ("injury", "burn", "bruising", "MMR", "MMRV", "MenB", "PCV", "GP appointment",
                                 "immunisation appointment", "hour", "HV")] == [
        "an injury", "a burn", "bruising", "an MMR", "an MMRV", "a MenB", "a PCV", "a GP appointment",
        "an immunisation appointment", "an hour", "an HV"]


def test_the_required_phrases_and_vaccine_names():
    assert T["rules"]["non-mobile-bruising"]["title"] == "Injury in a child who is not independently mobile"
    assert "closed without a step-down plan" in render("unsafe-step-down", "summary_risk", plan="child in need plan", months=6)
    assert "was not brought" in render("was-not-brought", "summary_noshow", service="GP appointment")
    assert {VACCINES[k] for k in ("6-in-1", "5-in-1", "hib-menc", "mmr", "mmrv", "menb", "pcv", "rotavirus",
                                  "4-in-1-preschool")} == {"DTaP/IPV/Hib/HepB", "DTaP/IPV/Hib", "Hib/MenC", "MMR", "MMRV",
                                                           "MenB", "PCV", "rotavirus", "dTaP/IPV"}
    assert immunisation_summary([("6-in-1", 1), ("menb", 1), ("rotavirus", 1)], CFG) == (
        "Routine immunisations are more than 28 days overdue for a child on a plan: DTaP/IPV/Hib/HepB dose 1, "
        "MenB dose 1 and rotavirus dose 1.")


def test_the_non_mobile_action_follows_the_panel_briefing():
    action = RULES_BY_ID["non-mobile-bruising"].recommended_action
    assert "paediatric assessment" in action and "multi-agency discussion" in action
    assert "decide whether a strategy discussion is needed" in action  # not automatic
    for rule in RULES:  # no rule makes a strategy discussion automatic
        assert not re.search(r"\b(?:hold|convene|arrange) a strategy discussion", rule.recommended_action), rule.id

"""Generated spellings (monitor/variants.py): each rule on a real-style sentence against the
shipped watchlists, and the precision guard (the
automaton's cache: tests/test_automaton.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.matching import Matcher
from monitor.variants import arabic_forms, arabic_ordinal, forms, variants
from monitor.watchlists import Entity, Watchlist, load_watchlists

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    return Matcher(load_watchlists(ROOT / "watchlists"))


def entities(matcher: Matcher, text: str) -> list[tuple[str, str]]:
    return [(m.entity, m.text) for m in matcher.find(text)]


# Each rule with a sentence in the style of published text; the spelling is not an alias as written.
RULES = [
    ("ou/u/o", "Fighting resumed east of Deir ez-Zour on Sunday.", ("deir-ez-zor", "Deir ez-Zour")),
    ("sun-letter article", "Shelling hit Deir az-Zor overnight.", ("deir-ez-zor", "Deir az-Zor")),
    ("article joined, ou/u", "Militias in Deir Ezzour were put on alert.", ("deir-ez-zor", "Deir Ezzour")),
    ("aa/a", "Units of the Hashd al-Shabi moved west.", ("pmf", "Hashd al-Shabi")),
    ("ash-", "the al-Hashd ash-Shaabi said in a statement", ("pmf", "al-Hashd ash-Shaabi")),
    ("ei/ai", "a strike that killed Qasem Solaimani in 2020", ("qasem-soleimani", "Qasem Solaimani")),
    ("double letter, ee/i", "a strike that killed Qassim Soleimani", ("qasem-soleimani", "Qassim Soleimani")),
    ("person without al-", "Abu Mahdi Muhandis was killed", ("abu-mahdi-al-muhandis", "Abu Mahdi Muhandis")),
    ("trailing -ah", "fighters of al-Nujabah crossed the border", ("harakat-al-nujaba", "al-Nujabah")),
    ("ou for u", "Airstrikes near al-Boukamal killed three.", ("bukamal", "al-Boukamal")),
    ("hamza seat", "أعلنت هيأة المنافذ الحدودية إعادة فتح المنفذ.",
     ("iraqi-border-crossings-administration", "هيأة المنافذ الحدودية")),
    ("joined, with a proclitic", "قتل قائد لواء التابع لمجلس ديرالزور العسكري.",
     ("deir-ez-zor-military-council", "لمجلس ديرالزور العسكري")),
    ("field in the plural", "سيطرت القطعات على حقول عكاز الأول والثاني.", ("akkas-gas-field", "حقول عكاز")),
    ("feature word", "Trucks queued at the al-Qaim border post on Sunday.",
     ("qaim-bukamal-crossing", "al-Qaim border post")),
    ("trailing -eh", "Residents of al-Suwaiyeh fled toward the river.", ("suwaiyah", "Suwaiyeh")),
    ("-iyeh", "Regime forces moved into al-Shamiyeh on Friday.", ("shamiyya", "Shamiyeh")),
    ("a'i/ae", "A drone hit a house in the al-Qa'em district on Sunday.", ("qaim", "Qa'em district")),
    ("a/e last syllable", "Forces entered Albukamel at dawn.", ("bukamal", "Albukamel")),
    ("a/e, Qassam", "Qassam Soleimani was killed", ("qasem-soleimani", "Qassam Soleimani")),
    ("i/e last syllable", "Fighters of Liwa al-Baqer deployed.", ("liwa-al-baqir", "Liwa al-Baqer")),
    ("q/gh", "Ghassem Soleimani's successor visited Baghdad.", ("qasem-soleimani", "Ghassem Soleimani's")),
    ("ou for a word-final u, two words changed", "Abou Fadak al-Muhammadawi said the PMF would stay.",
     ("abu-fadak-al-mohammadawi", "Abou Fadak al-Muhammadawi")),
    ("u/o/a first syllable", "al-Najaba commanders met in Baghdad.", ("harakat-al-nujaba", "al-Najaba")),
    ("fu'ala' unvowelled", "The al-Najbaa movement claimed it.", ("harakat-al-nujaba", "Najbaa movement")),
    ("force noun, air defences", "Syrian air defences intercepted missiles near Palmyra.",
     ("syrian-army", "Syrian air defences")),
    ("force noun, Arabic air attack", "استهدف هجوم جوي إسرائيلي مطار التيفور.",
     ("israeli-military", "هجوم جوي إسرائيلي")),
    ("final i/y", "Qassem Sulaimany led the operations in Abu Kamal.", ("qasem-soleimani", "Sulaimany")),
    ("unit number in Arabic words", "عناصر الفوج السابع والأربعين في البوكمال",
     ("irgc-battalion-47", "الفوج السابع والأربعين")),
    ("force noun", "US special forces raided a house east of the river.", ("us-forces", "US special forces")),
    ("force noun, U.S.", "Two U.S. service members were wounded.", ("us-forces", "U.S. service members")),
    ("force noun, air", "Israeli bombardment hit the outskirts of the town.",
     ("israeli-military", "Israeli bombardment")),
    ("force noun, role alias", "Iranian troops left the base.", ("irgc", "Iranian troops")),
    ("force noun, Arabic human plural", "انسحب الجنود الأمريكيون من القاعدة.",
     ("us-forces", "الجنود الأمريكيون")),
    ("force noun, Arabic indefinite", "قصف إسرائيلي استهدف مستودعا للأسلحة.",
     ("israeli-military", "قصف إسرائيلي")),
    ("spaced letters", "تواصل الحملة ضد خلايا د ا ع ش في البادية.", ("islamic-state", "د ا ع ش")),
    ("nisba gender", "قال قائد في الحرس الثورية إن الهجوم فشل.", ("irgc", "الحرس الثورية")),
    ("nisba gender: the Iraqi Hezbollah", "أعلنت ميليشيا حزب الله العراقية مسؤوليتها عن الهجوم.",
     ("kataib-hezbollah", "حزب الله العراقية")),
    ("o/u first vowel", "Kadhim al-Uqabi, the former director of border crossings, said.",
     ("kazim-al-aqabi", "Kadhim al-Uqabi")),
    ("iyoun/iyun/yon/ion", "the Afghan Fatimyon Brigade emptied its headquarters",
     ("liwa-fatemiyoun", "Fatimyon")),
    ("iyoun/iyun/yon/ion, -ion", "sites of the Fatimion militia in the city",
     ("liwa-fatemiyoun", "Fatimion")),
    ("iyoun/iyun/yon/ion, -iyeon", "Fatimiyeon and Hezbollah emptied their bases",
     ("liwa-fatemiyoun", "Fatimiyeon")),
    ("article al/el/sun letter, a bare a", "a fighter jet hit 3 targets east of Deir a-Zour",
     ("deir-ez-zor", "Deir a-Zour")),
    ("first syllable after sh", "Clashes broke out in al-Shaheil overnight.", ("shuhayl", "al-Shaheil")),
    ("double w", "Sheikh Nawwaf al-Bashir met tribal elders in Deir Ezzor.",
     ("nawaf-al-bashir", "Sheikh Nawwaf al-Bashir")),
    ("air base as base", "Rockets landed inside the Al-Asad base in Anbar Province.",
     ("ain-al-asad", "Asad base")),
    ("nisba ya doubled", "أعلنت وزارة الداخلية العراقيية اعتقال تاجري مخدرات.",
     ("iraqi-interior-ministry", "وزارة الداخلية العراقيية")),
    ("loanword spelling", "انسحبت قوات سوريا الديموقراطية من البلدة.", ("sdf", "قوات سوريا الديموقراطية")),
    ("zone as security zone", "The outpost had operated within a 55-kilometer security zone.",
     ("tanf-deconfliction-zone", "55-kilometer security zone")),
    ("zone as de-confliction zone", "Russian jets came close to the 55 kilometer de-confliction zone.",
     ("tanf-deconfliction-zone", "55 kilometer de-confliction zone")),
    ("force noun, Arabic warplanes", "شنت مقاتلات إسرائيلية غارات على ريف البوكمال.",
     ("israeli-military", "مقاتلات إسرائيلية")),
    ("feature of name", "Syria reopened its side at the Iraqi border entrance of al-Qaim.",
     ("qaim-bukamal-crossing", "border entrance of al-Qaim")),
    ("kunya in the genitive", "أحيا أنصار الحشد ذكرى اغتيال أبي مهدي المهندس في بغداد.",
     ("abu-mahdi-al-muhandis", "أبي مهدي المهندس")),
    ("kunya in the accusative, after a proclitic", "وقال إن أبا مهدي المهندس وأبا فدك المحمداوي حضرا.",
     ("abu-mahdi-al-muhandis", "أبا مهدي المهندس")),
    ("kunya case with a proclitic", "استذكر الكعبي شهداء المقاومة أبي تقوى وأبي باقر الساعدي.",
     ("abu-baqir-al-saadi", "وأبي باقر الساعدي")),
    ("force noun of two words, with a proclitic", "قتل أربعة عناصر بضربة جوية أمريكية قرب الحدود.",
     ("us-forces", "بضربة جوية أمريكية")),
    ("force noun: warplanes", "تداهم الطائرات الحربية الروسية مخابئ التنظيم في البادية.",
     ("russian-forces", "الطائرات الحربية الروسية")),
    ("force noun: helicopters", "حلق الطيران المروحي الأمريكي فوق قرى ريف دير الزور.",
     ("us-forces", "الطيران المروحي الأمريكي")),
    ("force noun: a military base", "سقطت قذيفة قرب القاعدة العسكرية الأمريكية في حقل العمر.",
     ("us-forces", "القاعدة العسكرية الأمريكية")),
    ("force noun: military operations", "Israeli military operations forced families out of their homes.",
     ("israeli-military", "Israeli military operations")),
    ("force noun: Arabic military operations", "نزحت العائلات بسبب العمليات العسكرية الإسرائيلية في الجنوب.",
     ("israeli-military", "العمليات العسكرية الإسرائيلية")),
    ("force noun: air forces", "Russian air forces bombed the desert for a week.",
     ("russian-forces", "Russian air forces")),
    ("state's possessive", "Iraq's army sent two divisions to the border.", ("iraqi-army", "Iraq's army")),
    ("state's possessive, force noun", "Iraq’s troops held the berm.", ("iraqi-army", "Iraq’s troops")),
    ("abdul as abd al", "Prime Minister Adil Abd Al-Mahdi approved the reopening.",
     ("adel-abdul-mahdi", "Adil Abd Al-Mahdi")),
    ("abdul as abdel, joined", "Prime Minister Adel Abdelmahdi approved the reopening.",
     ("adel-abdul-mahdi", "Adel Abdelmahdi")),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_each_rule_finds_a_spelling_nobody_listed(
    shipped: Matcher, text: str, expected: tuple[str, str]
) -> None:
    written = {fold.text.casefold() for fold in shipped.watchlist.entities[expected[0]].aliases}

    assert expected[1].casefold() not in written
    assert expected in entities(shipped, text)


def test_arabic_space_dropped_after_a_letter_that_does_not_join() -> None:
    matcher = Matcher(
        watchlist(("deir-ez-zor", "Deir ez-Zor", ["دير الزور"]), ("tal", "Tal Abyad", ["تل أبيض"]))
    )

    assert [m.text for m in matcher.find("في ريف ديرالزور الشرقي")] == ["ديرالزور"]
    assert matcher.find("تلأبيض") == []  # ل joins the next letter: nobody types that


def test_a_numbered_unit_in_the_other_order_script_and_words() -> None:
    matcher = Matcher(watchlist(("b14", "Brigade 14", ["Brigade 14"])))

    for text in ("the 14th Brigade", "اللواء 14", "اللواء الـ 14", "قوات اللواء الرابع عشر"):
        assert [m.entity for m in matcher.find(text)] == ["b14"], text


def test_variants_name_their_rules() -> None:
    made = {v.key: v for v in variants("Deir ez-Zor", case_sensitive=False)}

    assert made["deir ez zor"].rules == ()
    assert made["deir ez zour"].rules == ("ou/u/o",)
    assert "article al/el/sun letter" in made["deir az zor"].rules
    assert made["deir ezzor"].generated


def test_an_acronym_is_not_transliterated() -> None:
    assert not any(v.generated for v in variants("ISIL", case_sensitive=False))
    assert any(v.generated for v in variants("Isil", case_sensitive=False))


def test_case_sensitive_aliases_get_no_spellings() -> None:
    assert [v.key for v in variants("KH", case_sensitive=True)] == ["kh", "khs"]


def test_arabic_ordinals_agree_with_the_unit() -> None:
    assert arabic_ordinal(14, "m") == ["الرابع عشر"]
    assert arabic_ordinal(17, "f") == ["السابعه عشره"]
    assert arabic_ordinal(47, "m") == ["السابع والاربعون", "السابع والاربعين"]
    assert "اللواء الرابع عشر" in {v.key for v in variants("اللواء 14", False)}


def watchlist(*entries: tuple[str, str, list[str]]) -> Watchlist:
    made = [
        Entity(id=i, name=n, kind="town", coords=(34.45, 40.92), aliases=tuple(a))  # type: ignore[arg-type]
        for i, n, a in entries
    ]
    return Watchlist(entities={e.id: e for e in made})


def test_a_spelling_that_is_a_common_word_is_withheld() -> None:
    matcher = Matcher(watchlist(("anah", "Anah", ["Ana"])))

    assert matcher.withheld["anna"] == "generated spelling is a common word"
    assert matcher.find("Anna said the Ana council met.")[0].text == "Ana"
    assert len(matcher.find("Anna said the Ana council met.")) == 1


def test_an_arabic_name_without_its_article_only_where_the_bare_word_is_no_common_word() -> None:
    lists = watchlist(("coalition", "Coalition", ["التحالف"]), ("suwaiyah", "Suwaiyah", ["السويعية"]))
    matcher = Matcher(lists)

    assert matcher.withheld["تحالف"] == "an Arabic name without its article is a common word"
    assert [m.entity for m in matcher.find("وهو تحالف من قوات شبه عسكرية")] == []  # "an alliance"
    assert [m.entity for m in matcher.find("قصف طيران التحالف قرية سويعية")] == ["coalition", "suwaiyah"]


def test_a_spelling_that_is_another_entitys_name_is_withheld() -> None:
    matcher = Matcher(watchlist(("a", "Qadi", ["Qadi"]), ("b", "Kadi", ["Kadi"])))

    assert matcher.withheld["kadi"] == "generated spelling also names a, b"  # q/k of Qadi is Kadi's name
    assert [m.entity for m in matcher.find("Qadi and Kadi and Gadi")] == ["a", "b", "a"]


def test_an_alias_without_spellings_is_looked_up_only_as_written() -> None:
    """`spellings: false`: a generic phrase makes no spelling that would collide with another
    entity's (the army's "Iraqi troops" stays the army's; "Iraqi forces" stays the generic one)."""
    matcher = Matcher(
        watchlist(
            ("army", "Iraqi Army", ["Iraqi Army"]),
            ("generic", "Iraqi forces", [{"text": "Iraqi forces", "spellings": False}]),
        )
    )
    assert "iraqi troops" not in matcher.withheld
    found = matcher.find("Iraqi troops and Iraqi forces")
    assert [m.entity for m in found] == ["army", "generic"]


def test_loading_the_watchlists_does_not_import_the_matcher() -> None:
    """One owner for alias keys (monitor.normalise): the loader does not import the matcher."""
    code = "import sys, monitor.watchlists; print('monitor.matching' in sys.modules)"

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "False"


def test_a_base_is_a_force_noun_but_al_qaeda_is_not_a_base(shipped: Matcher) -> None:
    assert entities(shipped, "أعلن تنظيم القاعدة العراقي مسؤوليته.") == [("al-qaeda", "تنظيم القاعدة")]
    assert entities(shipped, "القواعد الأمريكية في سوريا") == [("us-forces", "القواعد الأمريكية")]


def test_force_nouns_only_after_a_nationality_and_within_the_group_an_entity_has() -> None:
    keys = {v.key for v in variants("US forces", False)}
    assert {"us troops", "us special forces", "us soldier", "us advisers"} <= keys
    assert "us strike" not in keys  # an air noun is generated only from an air alias
    assert not any("troops" in v.key for v in variants("Syrian Democratic Forces", False))


def test_a_name_ending_in_s_takes_an_s_only_as_a_possessive(shipped: Matcher) -> None:
    assert entities(shipped, "ISIS's cells attacked a checkpoint.") == [("islamic-state", "ISIS's")]
    assert entities(shipped, "The ISISS network said.") == []


def test_a_loanword_and_a_doubled_ya_change_only_their_own_letters() -> None:
    keys = {v.key for v in variants("القوات الأمريكية", False)}
    assert {"القوات الاميركيه", "القوات الامريكييه"} <= keys
    assert not any("ديموقراط" in key for key in keys)
    # the doubled ya is a typo of the nisba ending only, never of a name's other letters
    assert not any("يي" in key for key in (v.key for v in variants("دير الزور", False)))


def test_an_ia_spelling_of_a_nisba_ending(shipped: Matcher) -> None:
    assert "yarubia" in {v.key for v in variants("Yarubiyya", False)}
    # two rewrites (ou, -ia) leave no step for the article: the name is found without it
    assert entities(shipped, "Kurdish fighters hold the crossing at al-Yaroubia.") == [
        ("rabia-yarubiyah-crossing", "Yaroubia")
    ]


def test_a_lam_proclitic_before_a_word_starting_with_lam_is_written_once() -> None:
    forms = set(arabic_forms("لواء 19", True))
    assert {"للواء 19", "واللواء 19", "باللواء 19"} <= forms
    assert "لللواء 19" not in forms
    assert "للرقه" in set(arabic_forms("رقه", True))  # ل + الرقة: both lams of لل


def test_a_lam_before_the_article_merges_with_it() -> None:
    """ل + الحشد is written للحشد: in a context window it meets الحشد (اللواء 17 للحشد)."""
    assert "الحشد" in forms("للحشد") and "الحشد" in forms("وللحشد")
    assert "اله" not in forms("لله")  # too short to hold an article and a word

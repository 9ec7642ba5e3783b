"""Romanisation of Korean (Hangul) and Chinese (Han) names (pure).

Korean: Revised Romanization (Ministry of Culture, 2000) and McCune–Reischauer (folded to
ASCII: breves and apostrophes dropped), by decomposing each syllable block arithmetically
(Unicode ch. 3.12). Personal names are romanised syllable by syllable without the sound
changes between syllables, as the Revised Romanization prescribes for names (rule 3.4);
the passport spellings of frequent surnames (Kim, Lee, Park) come from a table.

Chinese: Hanyu Pinyin (ISO 7098) through pypinyin, toneless and with tone numbers, and
Wade–Giles (Taiwan, older records); frequent surnames also have their Wade–Giles and
Cantonese (Hong Kong) spellings from a table, and surnames whose reading differs from the
character's usual one (单 Shan, 曾 Zeng) are read from a table first.
"""

from __future__ import annotations

from collections.abc import Sequence

from pypinyin import Style, lazy_pinyin
from pypinyin.style.wadegiles import to_wade_glides

__all__ = ["han_variants", "hangul_variants"]

# --- Hangul ----------------------------------------------------------------------------

_SBASE, _VCOUNT, _TCOUNT = 0xAC00, 21, 28


def _cells(row: str) -> tuple[str, ...]:
    """A table row written as space-separated cells ("-" for an empty cell)."""
    return tuple(row.split())


_RR_INITIAL = _cells("g kk n d tt r m b pp s ss - j jj ch k t p h")
_MR_INITIAL = _cells("k kk n t tt r m p pp s ss - ch tch ch k t p h")
_RR_VOWEL = _cells("a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i")
_MR_VOWEL = _cells("a ae ya yae o e yo ye o wa wae oe yo u wo we wi yu u ui i")
_FINAL = _cells("- k k k n n n t l k m l l l p l m p p t t ng t t k t p t")
_MR_VOICED = {"k": "g", "t": "d", "p": "b", "ch": "j"}

# Passport spellings of frequent surnames, most frequent first; the Revised Romanization
# and McCune–Reischauer forms are always added after them.
_KO_SURNAMES: dict[str, tuple[str, ...]] = {
    "김": ("kim", "gim"), "이": ("lee", "yi", "rhee", "i"), "박": ("park", "bak", "pak"),
    "최": ("choi", "choe"), "정": ("jung", "jeong", "chung"), "강": ("kang", "gang"),
    "조": ("cho", "jo"), "윤": ("yoon", "yun"), "장": ("jang", "chang"),
    "임": ("lim", "im"), "한": ("han",), "오": ("oh", "o"), "서": ("seo", "suh"),
    "신": ("shin", "sin"), "권": ("kwon", "gwon"), "황": ("hwang",), "안": ("ahn", "an"),
    "송": ("song",), "류": ("ryu", "yoo", "yu"), "유": ("yoo", "yu"), "홍": ("hong",),
    "전": ("jeon", "jun", "chun"), "고": ("ko", "go"), "문": ("moon", "mun"),
    "손": ("son", "sohn"), "배": ("bae",), "백": ("baek", "paik"), "노": ("noh", "roh"),
    "남궁": ("namgung",), "선우": ("sunwoo", "seonu"), "제갈": ("jegal",),
    "황보": ("hwangbo",), "독고": ("dokgo",),
}  # fmt: skip


def _jamo(ch: str) -> tuple[int, int, int] | None:
    """(initial, vowel, final) indices of a precomposed Hangul syllable, else None."""
    s = ord(ch) - _SBASE
    if not 0 <= s < 11172:
        return None
    return s // (_VCOUNT * _TCOUNT), (s % (_VCOUNT * _TCOUNT)) // _TCOUNT, s % _TCOUNT


def _hangul_syllables(word: str, mr: bool) -> list[str]:
    """Romanise a Hangul word syllable by syllable (RR, or MR with its voicing rule)."""
    out: list[str] = []
    prev_final = -1  # -1: start of word; 0: previous syllable ends in a vowel
    for ch in word:
        parts = _jamo(ch)
        if parts is None:
            continue
        lead, vowel, final = parts
        initial = (_MR_INITIAL if mr else _RR_INITIAL)[lead].replace("-", "")
        if lead == 5 and prev_final == 8:
            initial = "l"  # ㄹㄹ -> ll
        if mr:
            voiced = prev_final == 0 or _FINAL[prev_final] in ("n", "m", "ng", "l")
            if prev_final >= 0 and voiced:
                initial = _MR_VOICED.get(initial, initial)
            if initial == "s" and vowel in (16, 20):
                initial = "sh"  # MR: 시 shi, 쉬 shwi
        vow = (_MR_VOWEL if mr else _RR_VOWEL)[vowel]
        out.append(initial + vow + _FINAL[final].replace("-", ""))
        prev_final = final
    return out


def _ko_name(word: str) -> tuple[str, str] | None:
    """Split a personal name written without spaces into (surname, given name)."""
    if not 2 <= len(word) <= 5 or any(_jamo(c) is None for c in word):
        return None
    if len(word) >= 3 and word[:2] in _KO_SURNAMES:
        return word[:2], word[2:]
    return word[0], word[1:]


def _ko_surname_forms(surname: str) -> list[str]:
    """Surname spellings: passport table, then RR, then MR."""
    forms = list(_KO_SURNAMES.get(surname, ()))
    forms.append("".join(_hangul_syllables(surname, mr=False)))
    forms.append("".join(_hangul_syllables(surname, mr=True)))
    return forms


def hangul_variants(words: Sequence[str]) -> list[list[str]]:
    """Whole-run romanisations of Hangul words: passport surname + RR given name first.

    A name written as one word of 2–5 syllables, or a first word that is a known
    surname, is read as surname + given name; the given name is given joined (Minjun)
    and with its syllables apart (Min-jun, hyphen dropped). Other words are romanised
    whole, in RR and MR.
    """
    words = [w for w in words if w]
    surname: str | None = None
    given: list[str] = list(words)
    if len(words) == 1:
        split = _ko_name(words[0])
        if split is not None:
            surname, rest = split
            given = [rest]
    elif words and words[0] in _KO_SURNAMES:
        surname, given = words[0], list(words[1:])
    rr = [_hangul_syllables(w, mr=False) for w in given]
    mr = [_hangul_syllables(w, mr=True) for w in given]
    rr_joined = ["".join(s) for s in rr]
    rr_apart = [" ".join(s) for s in rr]
    mr_joined = ["".join(s) for s in mr]
    if surname is None:
        return [rr_joined, mr_joined, rr_apart]
    forms = _ko_surname_forms(surname)
    rr_s, mr_s = forms[-2], forms[-1]
    head = forms[0]
    variants = [
        [head, *rr_joined],
        [rr_s, *rr_joined],
        [head, *rr_apart],
        [mr_s, *mr_joined],
    ]
    variants += [[alt, *rr_joined] for alt in forms[1:-2]]
    variants += [[rr_s, *rr_apart], [head, *mr_joined]]
    return variants


# --- Han -------------------------------------------------------------------------------

# Surnames: pinyin with tone number, then Wade–Giles and Cantonese / other spellings.
_ZH_SURNAMES: dict[str, tuple[str, ...]] = {
    "王": ("wang2", "wang", "wong"), "李": ("li3", "li", "lee"),
    "张": ("zhang1", "chang", "cheung"), "刘": ("liu2", "liu", "lau"),
    "陈": ("chen2", "chen", "chan"), "杨": ("yang2", "yang", "yeung"),
    "黄": ("huang2", "huang", "wong"), "赵": ("zhao4", "chao", "chiu"),
    "吴": ("wu2", "wu", "ng"), "周": ("zhou1", "chou", "chow"), "徐": ("xu2", "hsu", "tsui"),
    "孙": ("sun1", "sun", "suen"), "朱": ("zhu1", "chu"), "胡": ("hu2", "hu", "wu"),
    "郭": ("guo1", "kuo", "kwok"), "何": ("he2", "ho"), "林": ("lin2", "lin", "lam"),
    "罗": ("luo2", "lo", "law"), "高": ("gao1", "kao", "ko"),
    "郑": ("zheng4", "cheng"), "梁": ("liang2", "liang", "leung"),
    "谢": ("xie4", "hsieh", "tse"), "唐": ("tang2", "tang", "tong"),
    "许": ("xu3", "hsu", "hui"), "邓": ("deng4", "teng", "tang"),
    "冯": ("feng2", "feng", "fung"), "曹": ("cao2", "tsao", "tso"),
    "蔡": ("cai4", "tsai", "choi"), "潘": ("pan1", "pan", "poon"),
    "叶": ("ye4", "yeh", "yip"), "吕": ("lü3", "lu", "lui"), "苏": ("su1", "su", "so"),
    "卢": ("lu2", "lu", "lo"), "钟": ("zhong1", "chung"), "韩": ("han2", "han", "hon"),
    # surnames read otherwise than the character's usual reading
    "单": ("shan4", "shan", "sin"), "曾": ("zeng1", "tseng", "tsang"),
    "解": ("xie4", "hsieh", "hai"), "仇": ("qiu2", "chiu", "kau"),
    "区": ("ou1", "ou", "au"), "查": ("zha1", "cha"), "朴": ("piao2", "piao", "park"),
    "乐": ("yue4", "yueh", "lok"), "盖": ("ge3", "ko"), "缪": ("miao4", "miao"),
    "覃": ("qin2", "chin"), "翟": ("zhai2", "chai"), "重": ("chong2", "chung"),
    # compound surnames
    "欧阳": ("ou1yang2", "ouyang", "auyeung"), "司马": ("si1ma3", "ssuma", "szema"),
    "上官": ("shang4guan1", "shangkuan"), "诸葛": ("zhu1ge3", "chuko"),
    "东方": ("dong1fang1", "tungfang"), "皇甫": ("huang2fu3", "huangfu"),
    "尉迟": ("yu4chi2", "yuchih"), "公孙": ("gong1sun1", "kungsun"),
    "慕容": ("mu4rong2", "mujung"), "长孙": ("zhang3sun1", "changsun"),
    "宇文": ("yu3wen2", "yuwen"), "司徒": ("si1tu2", "ssutu", "szeto"),
    "夏侯": ("xia4hou2", "hsiahou"), "轩辕": ("xuan1yuan2", "hsuanyuan"),
    "令狐": ("ling4hu2", "linghu"), "钟离": ("zhong1li2", "chungli"),
    "万俟": ("mo4qi2", "mochi"),
}  # fmt: skip
# Traditional forms of the table's simplified characters.
_TRADITIONAL = str.maketrans(
    "張劉陳楊黃趙吳孫郭羅鄭謝許鄧馮葉呂蘇盧鍾韓單區樂蓋繆歐陽馬諸東長軒轅離萬遲",
    "张刘陈杨黄赵吴孙郭罗郑谢许邓冯叶吕苏卢钟韩单区乐盖缪欧阳马诸东长轩辕离万迟",
)
_DIGITS = str.maketrans("", "", "012345")


def _zh_split(word: str) -> tuple[str, str] | None:
    """Split a personal name written without spaces into (surname, given name)."""
    if not 2 <= len(word) <= 4:
        return None
    simple = word.translate(_TRADITIONAL)
    if len(word) >= 3 and simple[:2] in _ZH_SURNAMES:
        return word[:2], word[2:]
    return word[:1], word[1:]


def _syllables(text: str, style: Style) -> list[str]:
    """Pinyin syllables of `text` (ü as "v"), characters without a reading skipped."""
    return [s for s in lazy_pinyin(text, style=style, errors="ignore") if s]


def _wade(pinyin_toneless: list[str]) -> list[str]:
    """Wade–Giles for toneless pinyin syllables (apostrophes and umlaut dropped)."""
    return [to_wade_glides(s).replace("'", "").replace("v", "u") for s in pinyin_toneless]


def han_variants(words: Sequence[str]) -> list[list[str]]:
    """Whole-run romanisations of Chinese words, Hanyu Pinyin as in passports first.

    A name of 2–4 characters in one word is read as surname + given name: "wang
    xiaoming", "wang xiao ming", Wade–Giles "wang hsiaoming", the surname's Wade–Giles
    and Cantonese spellings, a form with tone numbers ("wang2 xiao3ming2"), and for ü the
    passport "yu" and the keyboard "v" (吕 lyu, lv). Word order is kept as written.
    """
    words = [w for w in words if w]
    surname: str | None = None
    given = list(words)
    if len(words) == 1:
        split = _zh_split(words[0])
        if split is not None:
            surname, rest = split
            given = [rest]
    tone = [_syllables(w, Style.TONE3) for w in given]
    plain = [[s.translate(_DIGITS) for s in syl] for syl in tone]
    wade = [_wade(s) for s in plain]
    if surname is None:
        return [
            ["".join(s) for s in plain],
            [" ".join(s) for s in plain],
            ["".join(s) for s in wade],
            [" ".join(s) for s in wade],
            ["".join(s) for s in tone],
        ]
    entry = _ZH_SURNAMES.get(surname.translate(_TRADITIONAL))
    if entry is not None:
        s_tone, alts = entry[0], list(entry[1:])
    else:
        s_tone = "".join(_syllables(surname, Style.TONE3))
        alts = ["".join(_wade([s.translate(_DIGITS) for s in _syllables(surname, Style.NORMAL)]))]
    s_plain = s_tone.translate(_DIGITS)
    g_joined = ["".join(s) for s in plain]
    w_joined = ["".join(s) for s in wade]
    variants = [
        [s_plain, *g_joined],
        [s_plain, *[" ".join(s) for s in plain]],
        [alts[0], *w_joined],
        [alts[0], *[" ".join(s) for s in wade]],
    ]
    variants += [[alt, *g_joined] for alt in alts[1:]]
    variants += [[alt, *w_joined] for alt in alts[1:]]
    variants.append([s_tone, *["".join(s) for s in tone]])
    if "ü" in s_plain + "".join(g_joined):
        base = " ".join([s_plain, *g_joined])
        variants += [[base.replace("ü", "yu")], [base.replace("ü", "v")]]
    return [[part.replace("ü", "u") for part in v] for v in variants]

"""One detector of personal data in free text (personal information, 《中华人民共和国个人信息保护法》
第四条): resident IDs, mobile numbers and likely names of natural persons, found as spans of the
text as written.

Numbers are found however they are written: 18-digit resident IDs (公民身份号码) and 15-digit
first-generation ones (一代身份证: region, YYMMDD, 3 digits), mobile numbers with or without +86;
each in ASCII or full-width digits (or a mix), contiguous or in groups joined by spaces, hyphens
or dots ("350203 19900101 1234", "138.0013.8000", "１３８００１３８０００"). A number must
also look like one: a known province code and a real birth date for an ID, 1[3-9] for a mobile.
What is not personal data stays untouched, because a false positive garbles published text: a
USCC (letters, or a valid USCC check character and no valid ID check character), a digit run
longer than any ID (commitment codes, order numbers), a number inside a UUID or hex digest, a
decimal or part of a longer dotted/hyphenated number, an amount (a currency sign before or a unit
after), and a number labelled as an order, registration or invoice number.

Names cannot be told from words reliably, so `find_names` looks for cues and is meant for
flagging at entry, where an officer confirms or masks (services/kernel/screening.py): a role word
(代理人, 法定代表人, 经办人 ...) followed by a common surname and one or two given-name characters,
a full name before an honorific (先生, 女士 ...), and a full name right before an ID, a phone
number or a bracketed role ("张三丰（法定代表人）"). A surname alone ("王女士") and pseudonyms
("张某", "李某某") identify no one and are not flagged.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from services.kernel.identifiers import resident_id_check_char, uscc_check_char


class Kind(StrEnum):
    RESIDENT_ID = "resident_id"
    MOBILE = "mobile"
    PERSON_NAME = "person_name"


@dataclass(frozen=True)
class Span:
    """What was found where: `text[start:end]` as written; `value` normalised (ASCII digits and
    upper-case X without separators, or the name); `excerpt` what an officer is shown."""

    kind: Kind
    start: int
    end: int
    value: str
    excerpt: str


def _words(text: str) -> list[str]:
    return text.split()


# Full-width and typographic variants mapped one character to one character, so offsets found
# in the normalised text are offsets in the text as written.
_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},
        "Ｘ": "X",
        "ｘ": "x",
        "＋": "+",
        **dict.fromkeys("－‐‑‒–—―−", "-"),
        **dict.fromkeys("．·・•", "."),
        **dict.fromkeys("\u00a0\u2002\u2003\u2009\u202f\u3000", " "),
    }
)

_GROUP = re.compile(r"[0-9]+")
_SEPARATOR = re.compile(r" {0,2}[-.]? {0,2}")
# Identifiers the services mint and digests: their digits are no one's ID or phone number.
_OPAQUE = re.compile(
    r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
    r"|(?<![0-9A-Za-z])(?=[0-9]*[a-fA-F])[0-9a-fA-F]{32,}(?![0-9A-Za-z])"
)
_PROVINCES = frozenset(
    _words(
        "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
        "50 51 52 53 54 61 62 63 64 65 71 81 82 83"
    )
)
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# Before an amount, after an amount; a label naming a number that is not a person's.
_CURRENCY_BEFORE = re.compile(r"(?:[¥￥$]|人民币|RMB) *$")
_UNIT_AFTER = re.compile(r" *(?:元|万|亿|千|百|块|美元|港元|欧元|%|‰)")
_OTHER_LABEL = re.compile(
    r"(?:注册号|订单号|订单编号|流水号|单号|运单号|发票号码|发票代码|票据号|交易号|合同号|合同编号|文号)"
    r"[：:为是 ]*$"
)
_MAX_ID = 18
_COUNTRY = ("86", "0086")  # a mobile's country prefix, also written +86-138-...
_GAP = re.compile(r"[，,：: ]*")


def fold(text: str) -> str:
    """`text` with full-width digits, signs and spaces as ASCII, same length."""
    return text.translate(_FOLD)


def find(text: str) -> list[Span]:
    """Every resident ID, mobile number and likely name in `text`, in order."""
    return sorted([*find_numbers(text), *find_names(text)], key=lambda s: s.start)


# ---------------------------------------------------------------------------------------------
# Numbers


def find_numbers(text: str) -> list[Span]:
    """Resident IDs and mobile numbers, however written (see the module docstring)."""
    return _Numbers(text).find()


class _Numbers:
    """The digit groups of one text and the personal numbers they make up."""

    def __init__(self, text: str) -> None:
        self.text, self.folded = text, fold(text)
        opaque = [m.span() for m in _OPAQUE.finditer(self.folded)]
        self.groups = [m.span() for m in _GROUP.finditer(self.folded) if not _inside(m.span(), opaque)]

    def find(self) -> list[Span]:
        found: list[Span] = []
        i = 0
        while i < len(self.groups):
            match = self._match_at(i)
            if match is None:
                i += 1
                continue
            span, i = match
            found.append(span)
        return found

    def _digits(self, j: int) -> str:
        start, end = self.groups[j]
        return self.folded[start:end]

    def _joined(self, j: int) -> bool:
        """Whether group j continues group j - 1: only a short separator between them."""
        between = self.folded[self.groups[j - 1][1] : self.groups[j][0]]
        return bool(between) and _SEPARATOR.fullmatch(between) is not None

    def _punctuated(self, j: int) -> bool:
        """Group j continues group j - 1 after a hyphen or dot (not just a space)."""
        return self._joined(j) and bool(self.folded[self.groups[j - 1][1] : self.groups[j][0]].strip())

    def _short(self, j: int) -> bool:
        """A one-digit group takes no part in a grouped number ("第1 3800 ..." is no phone)."""
        return len(self._digits(j)) < 2

    def _match_at(self, i: int) -> tuple[Span, int] | None:
        """The longest personal number starting at group i, and the index of the group after it."""
        combos: list[tuple[int, str]] = []  # (last group, digits so far)
        digits = ""
        for j in range(i, len(self.groups)):
            if j > i and (not self._joined(j) or self._short(j) or self._short(i)):
                break
            digits += self._digits(j)
            if len(digits) > _MAX_ID:
                break
            combos.append((j, digits))
        for j, number in reversed(combos):
            span = self._classify(i, j, number)
            if span is not None:
                return span, j + 1
        return None

    def _classify(self, i: int, j: int, number: str) -> Span | None:
        start, end = self.groups[i][0], self.groups[j][1]
        if len(number) == 17 and self.folded[end : end + 1] in ("X", "x"):
            number, end = number + "X", end + 1
        kind: Kind | None = None
        if (len(number) == 18 and _resident_id_18(number)) or (len(number) == 15 and _resident_id_15(number)):
            kind = Kind.RESIDENT_ID
        elif len(number) == 11 and _MOBILE.fullmatch(number) and not self._thousands(i, j):
            kind = Kind.MOBILE
        elif i == j and len(number) == 13 and number.startswith("86") and _MOBILE.fullmatch(number[2:]):
            number, start = number[2:], start + 2  # +86 written without a separator: keep the prefix
            kind = Kind.MOBILE
        if kind is None or not self._standalone(i, j, start, end):
            return None
        return Span(kind, start, end, number, self.text[start:end])

    def _thousands(self, i: int, j: int) -> bool:
        """Groups of three after the first: an amount grouped by thousands, not a phone number."""
        return j > i and all(len(self._digits(k)) == 3 for k in range(i + 1, j + 1))

    def _standalone(self, i: int, j: int, start: int, end: int) -> bool:
        """Not part of something else: a decimal, a longer dotted or hyphenated number (other than
        after a country code), an amount, or a number labelled as another kind of number."""
        if i > 0 and self._punctuated(i) and self._digits(i - 1) not in _COUNTRY:
            return False
        if j + 1 < len(self.groups) and self._punctuated(j + 1):
            return False
        before = self.folded[max(0, start - 12) : start]
        if _CURRENCY_BEFORE.search(before) or _OTHER_LABEL.search(before):
            return False
        return _UNIT_AFTER.match(self.folded, end) is None


def _inside(span: tuple[int, int], areas: list[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in areas)


def _resident_id_18(number: str) -> bool:
    if number[:2] not in _PROVINCES or not number[:17].isdigit() or not _born(number[6:14]):
        return False
    if uscc_check_char(number[:17]) == number[17]:
        # An all-digit USCC whose check character holds and whose ID check character does not.
        return resident_id_check_char(number[:17]) == number[17]
    return True


def _resident_id_15(number: str) -> bool:
    return number.isdigit() and number[:2] in _PROVINCES and _born("19" + number[6:12])


def _born(yyyymmdd: str) -> bool:
    try:
        born = dt.datetime.strptime(yyyymmdd, "%Y%m%d").date()
    except ValueError:
        return False
    return 1900 <= born.year <= 2099


# ---------------------------------------------------------------------------------------------
# Names

# Common single surnames and the compound ones still in use.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉"
    "缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎"
    "甄丛仲虞敖巩佘池查麻苑迟邝洪"
)
COMPOUND_SURNAMES = frozenset(
    _words(
        "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 百里 南宫 "
        "西门 独孤 呼延 拓跋 澹台 万俟 闻人 申屠 赫连 淳于 太史"
    )
)
# Role words after which a name usually follows (longest first, so 委托代理人 wins over 代理人).
_ROLES = sorted(
    _words(
        "委托代理人 诉讼代理人 法定代理人 代理人 法定代表人 法人代表 法人 经办人员 经办人 负责人 联系人 "
        "被申请人 申请人 当事人 承诺人 投诉人 举报人 见证人 证人 受托人 委托人 实际控制人 股东 监事 执行董事 "
        "董事长 董事 总经理 经理 店长 经营者 业主 户主 产权人 签字人 签收人 送达人 出租人 承租人 担保人 "
        "受害人 工作人员 执法人员 核查人员 检查人员 员工 职工 姓名"
    ),
    key=len,
    reverse=True,
)
_ROLE = "|".join(_ROLES)
# A role word, then an optional colon, space or copula, then where a name would start.
_CUE = re.compile(rf"(?:{_ROLE})(?P<sep>[：: ]*(?:为|是|系)?[：: ]*)")
_HONORIFIC = re.compile(r"先生|女士|小姐|同志|老师|师傅")
# After a full name: an ID, a phone or a role in brackets says the name is a person's.
_PERSON_AFTER = re.compile(
    rf"[，,：: ]*(?:[（(](?:{_ROLE})[)）]|[（(]?(?:身份证|公民身份号码|证件号|联系电话|电话|手机|联系方式))"
)
# Characters a given name does not start with (particles, verbs, the pseudonym 某) ...
_NOT_FIRST = frozenset(
    "的了在于已未向对将把被与和及等称说是为系均并也就都亦又曾即应不没无经由从自给让某提签出到来去因现作所当"
    "持办交表承申请其之此该各本"
)
# ... nor continues with, as they usually follow a name in findings (称, 于, 确认 ...); nor does a
# name go on with a numeral or a counter (张三 is a common placeholder, 张三两 is no name).
_NOT_SECOND = _NOT_FIRST | frozenset(
    "讲述确拒同意供携场要想能可会到核查证一二两三四五六七八九十百千万年月日时号次个位知情"
)
# Words that often follow a name: their first character is no given name ("李四虚假承诺").
_FOLLOWING_WORDS = frozenset(
    _words(
        "虚假 虚报 隐瞒 伪造 冒用 承诺 承认 提交 提供 签字 签名 确认 到场 在场 未能 没有 表示 同意 拒绝 持有 "
        "携带 办理 申请 负责 作出 出具 出示 陈述 说明 无法 使用 经营 租赁 居住 名下 本人 一人 二人 等人 一行 "
        "知情 知道 明知 多次 首次 以上 以下 之前 之后 名义 因此 故意 曾经 现场 当场 当日 均未 均已 "
        "暂停 责令 限期 处以 罚款 没收 吊销 撤销 予以 给予 开具 拒不 未按 未经 违反 涉嫌 冒充 自称 声称 "
        "承担 签订 签署 联系 核实 核对 填写 填报 编造 篡改 涂改"
    )
)
# Surnames that are also particles: after a role word only with a separator ("法定代表人：于谦").
_PARTICLE_SURNAMES = frozenset("于向应")
# Places and organisations, not people, end with these.
_NOT_LAST = frozenset("司店局厂区市县镇乡村街路号室楼园场部处科院所站行社会馆厅队组校府")


def find_names(text: str) -> list[Span]:
    """Likely names of natural persons (see the module docstring), each once, in order."""
    found: dict[int, Span] = {}
    for span in [*_after_roles(text), *_before_honorifics(text), *_before_identifiers(text)]:
        if not any(s.start < span.end and span.start < s.end for s in found.values()):
            found[span.start] = span
    return [found[k] for k in sorted(found)]


def _han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _name_at(text: str, at: int, end: int | None = None) -> str:
    """The name starting at `at` (and ending by `end`): a surname and one or two given
    characters, or ''."""
    surname = text[at : at + 2] if text[at : at + 2] in COMPOUND_SURNAMES else text[at : at + 1]
    if surname not in SURNAMES and surname not in COMPOUND_SURNAMES:
        return ""
    if any(text.startswith(role, at) for role in _ROLES):  # 董事长 is a role, not Mr 董
        return ""
    given = ""
    stop = min(len(text) if end is None else end, at + len(surname) + 2)
    for k in range(at + len(surname), stop):
        char = text[k]
        if not _han(char) or char in (_NOT_FIRST if not given else _NOT_SECOND):
            break
        if text[k : k + 2] in _FOLLOWING_WORDS:
            break
        given += char
    name = surname + given
    if not given or "某" in name or name[-1] in _NOT_LAST:
        return ""
    return name


def _after_roles(text: str) -> list[Span]:
    found = []
    for cue in _CUE.finditer(text):
        at = cue.end()
        if text[at : at + 1] in _PARTICLE_SURNAMES and not cue.group("sep"):
            continue
        while name := _name_at(text, at):
            found.append(Span(Kind.PERSON_NAME, at, at + len(name), name, text[cue.start() : at + len(name)]))
            # A list of names: 经办人王五、赵六 / 王五和赵六.
            at += len(name)
            if text[at : at + 1] not in ("、", "和", "及"):
                break
            at += 1
    return found


def _name_ending_at(text: str, end: int) -> tuple[int, str] | None:
    """The full name that ends right before `end`: four characters with a compound surname, else
    three (the commonest), else two; a particle before the name is not its surname."""
    for length in (4, 3, 2):
        start = end - length
        if start < 0:
            continue
        name = _name_at(text, start, end)
        if len(name) != length or (length == 4 and name[:2] not in COMPOUND_SURNAMES):
            continue
        if length == 3 and name[0] in _PARTICLE_SURNAMES and _name_at(text, start + 1, end):
            continue
        return start, name
    return None


def _before_honorifics(text: str) -> list[Span]:
    found = []
    for honorific in _HONORIFIC.finditer(text):
        named = _name_ending_at(text, honorific.start())
        if named and not _surname_and_honorific(text, *named):
            start, name = named
            shown = text[start : honorific.end()]
            found.append(Span(Kind.PERSON_NAME, start, start + len(name), name, shown))
    return found


def _surname_and_honorific(text: str, start: int, name: str) -> bool:
    """Whether this is a surname and an honorific after a word: "感谢王老师" names no 谢王."""
    return len(name) == 2 and name[1] in SURNAMES and start > 0 and _han(text[start - 1])


def _before_identifiers(text: str) -> list[Span]:
    """Full names right before an ID, a phone number or a bracketed role word."""
    numbers = {s.start for s in find_numbers(text)}
    found = []
    for end in range(2, len(text)):
        if not _han(text[end - 1]):
            continue
        after = _PERSON_AFTER.match(text, end)
        gap = _GAP.match(text, end)
        if after is None and (gap is None or gap.end() not in numbers):
            continue
        named = _name_ending_at(text, end)
        if named:
            start, name = named
            shown_end = after.end() if after else end
            found.append(Span(Kind.PERSON_NAME, start, end, name, text[start:shown_end]))
    return found

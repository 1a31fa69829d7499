"""Catalogue rules with no I/O: valid drafts, standard wording, the notification, filing, import."""

from __future__ import annotations

import datetime as dt

import pytest

from chengnuo.commitment.v1 import catalogue_pb2
from services.commitment.domain import filing, items, letters, notification, standard_texts
from services.commitment.domain.commitments import fulfilment
from services.commitment.domain.items import check_rows
from services.commitment.store import rules
from services.commitment.wire.catalogue import with_standard_text
from services.kernel.calendar import WorkingCalendar, YearSchedule
from services.kernel.errors import InvalidArgument, Violations

D = dt.date


def draft(**changes: object) -> catalogue_pb2.ItemDraft:
    made = catalogue_pb2.ItemDraft(
        name="营业场所使用证明",
        legal_basis="《食品经营许可和备案管理办法》第十二条",
        certified_content="申请人对经营场所享有合法使用权",
        issuing_authority="不动产登记机构",
        matters=["食品经营许可", "小餐饮登记"],
        region_code="350200",
        commitment_allowed=True,
        verification=catalogue_pb2.VerificationRule(
            method=catalogue_pb2.VERIFICATION_METHOD_ON_SITE, time_limit_working_days=20, standard="现场核对"
        ),
    )
    for name, value in changes.items():
        setattr(made, name, value)
    return made


def problems(item: catalogue_pb2.ItemDraft, region: str = "350200") -> list[str]:
    v = Violations()
    items.check_item(v, item, region)
    return [p.field for p in v.items]


def test_a_complete_draft_has_no_problem() -> None:
    assert problems(draft()) == []


def test_high_risk_items_cannot_allow_commitment() -> None:
    assert problems(draft(high_risk=True)) == ["item.commitment_allowed"]
    assert problems(draft(high_risk=True, commitment_allowed=False)) == []


def test_sizes_and_regions_are_checked() -> None:
    long = draft(name="名" * 201, region_code="360100")
    long.notification.civil_liability = "责" * 4001
    long.notification.publication_months = 121
    assert problems(long) == [
        "item.name",
        "item.region_code",
        "item.notification.civil_liability",
        "item.notification.publication_months",
    ]
    assert problems(draft(region_code="35020")) == ["item.region_code"]


def test_standard_wording_fills_only_the_empty_parts() -> None:
    mine = draft()
    mine.notification.publication_scope = "厦门市政务服务网"
    done = with_standard_text(mine, "350200-SCJ")
    assert done.notification.publication_scope == "厦门市政务服务网"
    assert done.notification.civil_liability == standard_texts.CIVIL_LIABILITY
    assert "不动产登记机构" in done.notification.certification_obligation
    assert "食品经营许可、小餐饮登记" in done.notification.licence_conditions
    assert done.letter.text == standard_texts.LETTER
    assert done.agency_name == "350200-SCJ"
    assert problems(done) == []


def test_the_notification_states_everything_the_law_requires() -> None:
    done = with_standard_text(draft(agency_name="厦门市市场监督管理局"), "350200-SCJ")
    parts = notification.sections(done)
    assert [p.key for p in parts] == [
        "item",
        "legal_basis",
        "certification",
        "conditions",
        "commitment_method",
        "liability",
        "verification",
        "publication",
    ]
    body = {p.key: p.body for p in parts}
    assert "民事责任" in body["liability"]
    assert "行政责任" in body["liability"]
    assert "刑事责任" in body["liability"]
    assert "实地调查" in body["verification"]
    assert "20个工作日" in body["verification"]
    assert "个人隐私和商业秘密" in body["publication"]
    text = notification.text(done, 3, dt.datetime(2026, 3, 1, 20, tzinfo=dt.UTC), parts)
    assert "目录第3版，2026年3月2日公布" in text  # the publication day in China
    assert "告知机关：厦门市市场监督管理局" in text
    assert all(p.title in text and p.body in text for p in parts)


RULE = filing.FilingRule("F", "", D(2022, 1, 1), None, "鄂尔多斯市行政执法质量提升方案 (五)", 10)
# 2026: National Day Oct 1-7 off, Sep 20 (Sun) and Oct 10 (Sat) worked.
CAL = WorkingCalendar.of(
    [
        YearSchedule(
            2026,
            frozenset(D(2026, 10, d) for d in range(1, 8)),
            frozenset({D(2026, 9, 20), D(2026, 10, 10)}),
            "国办发明电〔2025〕7号",
            dt.datetime(2025, 11, 1, tzinfo=dt.UTC),
        )
    ]
)


def test_filing_is_due_ten_working_days_after_publication() -> None:
    due = filing.due([RULE], CAL, D(2026, 9, 28), "350200")
    assert due is not None
    # Sep 29, 30, Oct 8, 9, 10 (make-up), 12, 13, 14, 15, 16.
    assert due.date == D(2026, 10, 16)
    assert not due.provisional
    assert filing.due([RULE], CAL, D(2027, 1, 4), "350200").provisional  # type: ignore[union-attr]
    assert filing.due([RULE], CAL, D(2021, 6, 1), "350200") is None


def test_filing_status() -> None:
    due = filing.due([RULE], CAL, D(2026, 9, 28), "350200")
    assert filing.status(due, None, D(2026, 10, 16)) == "FILING_STATUS_PENDING"
    assert filing.status(due, None, D(2026, 10, 19)) == "FILING_STATUS_OVERDUE"
    assert filing.status(due, D(2026, 10, 16), D(2026, 12, 1)) == "FILING_STATUS_FILED"
    assert filing.status(due, D(2026, 10, 17), D(2026, 12, 1)) == "FILING_STATUS_FILED_LATE"
    assert filing.status(None, None, D(2026, 12, 1)) == "FILING_STATUS_NO_DEADLINE"


def test_a_regional_filing_rule_beats_the_default() -> None:
    local = filing.FilingRule("F-XM", "350200", D(2025, 1, 1), None, "厦门", 5)
    assert filing.choose([RULE, local], D(2026, 3, 2), "350203") == local
    assert filing.choose([RULE, local], D(2026, 3, 2), "110000") == RULE
    packaged = rules.filing_rules()
    assert [r.working_days for r in packaged] == [10]
    assert "鄂尔多斯市行政执法质量提升方案" in packaged[0].citation


def test_fulfilment_follows_the_determined_outcomes() -> None:
    assert fulfilment([]) == "FULFILMENT_STATUS_PENDING"
    assert fulfilment(["OUTCOME_UNVERIFIABLE"]) == "FULFILMENT_STATUS_PENDING"
    assert fulfilment(["OUTCOME_TRUE", "OUTCOME_UNVERIFIABLE"]) == "FULFILMENT_STATUS_FULFILLED"
    assert fulfilment(["OUTCOME_FALSE"]) == "FULFILMENT_STATUS_NOT_FULFILLED"
    assert fulfilment(["OUTCOME_TRUE", "OUTCOME_FALSE"]) == "FULFILMENT_STATUS_PARTIALLY_FULFILLED"


def test_import_rows_are_checked_one_by_one() -> None:
    rows = [
        catalogue_pb2.ImportRow(row_number=2, item=draft()),
        catalogue_pb2.ImportRow(row_number=3, item=draft(name="", legal_basis="")),
        catalogue_pb2.ImportRow(row_number=4, item=draft()),  # the same item as row 2
        catalogue_pb2.ImportRow(row_number=5, item=draft(name="另一项"), item_id="not-an-id"),
    ]
    checked = check_rows(rows, "350200", "350200-SCJ")
    assert [(p.row_number, p.field) for p in checked.problems] == [
        (3, "item.name"),
        (3, "item.legal_basis"),
        (4, "item.name"),
        (5, "item_id"),
    ]
    assert "repeats the item of row 2" in checked.problems[2].rule
    assert [row for row, _, _ in checked.creates] == [2]
    with pytest.raises(InvalidArgument):
        check_rows([rows[0], rows[0]], "350200", "350200-SCJ")


def _own_terms() -> catalogue_pb2.NotificationTerms:
    """A department that wrote every part of the notification itself."""
    return catalogue_pb2.NotificationTerms(
        certification_obligation="申请人须提交本机关认可的场所证明材料",
        licence_conditions="具有与经营品种相适应的场所",
        required_materials="申请书、营业执照",
        commitment_method="在窗口签署承诺书",
        civil_liability="赔偿损失",
        administrative_liability="撤销许可",
        criminal_liability="移送司法机关",
        verification_power="本机关有权核查",
        publication_scope="厦门市政务服务网",
    )


@pytest.mark.parametrize("source", ["standard", "own"])
def test_the_notification_states_the_seed_list_whatever_wrote_the_text(source: str) -> None:
    # 《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)11: 事项名称、设定依据、证明内容、许可条件、
    # 材料要求、承诺方式, and the civil, administrative and criminal liability — whether the
    # standard text or the department's own.
    mine = draft()
    if source == "own":
        mine.notification.CopyFrom(_own_terms())
    done = with_standard_text(mine, "350200-SCJ")
    parts = notification.sections(done)
    text = notification.text(done, 1, dt.datetime(2026, 3, 1, tzinfo=dt.UTC), parts)
    terms = done.notification
    for label, value in [
        ("事项名称", done.name),
        ("设定依据", done.legal_basis),
        ("证明义务", terms.certification_obligation),
        ("证明内容", done.certified_content),
        ("许可条件", terms.licence_conditions),
        ("材料要求", terms.required_materials),
        ("承诺方式", terms.commitment_method),
        ("民事责任", terms.civil_liability),
        ("行政责任", terms.administrative_liability),
        ("刑事责任", terms.criminal_liability),
        ("核查权力", terms.verification_power),
        ("承诺书的公开", terms.publication_scope),
    ]:
        assert label in text, label
        assert value in text, label
    body = {p.key: p.body for p in parts}
    assert f"证明内容：{done.certified_content}" in body["certification"]


def test_the_rules_number_field_kinds_and_methods_as_the_protos_do() -> None:
    # The rules read drafts without importing the wire format: their enums must be the protos'.
    kinds = {n.removeprefix("LETTER_FIELD_KIND_"): v for n, v in catalogue_pb2.LetterFieldKind.items()}
    assert {k.name: k.value for k in letters.FieldKind} == kinds
    assert {m.wire_name: m.value for m in items.Method} == dict(catalogue_pb2.VerificationMethod.items())

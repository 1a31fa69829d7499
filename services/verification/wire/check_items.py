"""Items of the random inspection list as verification.v1 check-item messages."""

from __future__ import annotations

from chengnuo.verification.v1 import check_items_pb2 as cpb
from services.kernel import convert
from services.verification.store.check_items import ListedItem


def item(i: ListedItem) -> cpb.ListedCheckItem:
    return cpb.ListedCheckItem(
        department=i.department,
        code=i.code,
        version=i.version,
        name=i.name,
        legal_basis=i.legal_basis,
        inspection_type=i.inspection_type,
        supervision_domain=i.supervision_domain,
        check_content=i.check_content,
        check_method=i.check_method,
        advance_notice_allowed=i.advance_notice_allowed,
        no_notice_reason=i.no_notice_reason,
        effective_from=convert.to_date(i.effective_from),
        retired_on=convert.opt_date(i.retired_on),
        recorded_by=i.recorded_by,
        recorded_at=convert.to_timestamp(i.recorded_at),
    )

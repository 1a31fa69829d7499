"""Bulk import of a department's catalogue: hundreds of rows, a report per row, and the mode
deciding what a file with bad rows stores."""

from __future__ import annotations

from pathlib import Path

import grpc

from chengnuo.commitment.v1 import catalogue_pb2
from tests.conftest import Servers
from tests.integration.test_commitment_world import commitment_world, create, item, rid
from tests.support import failure

# Audit rows of callers; the world's consumers replay other tests' events on the shared broker.
CALLER_ROWS = "actor <> 'service:commitment'"

Mode = catalogue_pb2.ImportMode


def rows(count: int, start: int = 1) -> list[catalogue_pb2.ImportRow]:
    return [
        catalogue_pb2.ImportRow(row_number=n, item=item(f"证明事项{n:04d}"))
        for n in range(start, start + count)
    ]


def spoiled(all_rows: list[catalogue_pb2.ImportRow]) -> list[catalogue_pb2.ImportRow]:
    all_rows[9].item.legal_basis = ""
    all_rows[41].item.high_risk = True
    all_rows[41].item.safety_related = True
    all_rows[77].item.region_code = "110000"
    return all_rows


async def test_hundreds_of_rows_import_at_once(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        report = await admin.catalogue.ImportCatalogue(
            catalogue_pb2.ImportCatalogueRequest(
                request_id=rid(), mode=Mode.IMPORT_MODE_ALL_OR_NOTHING, rows=rows(400)
            )
        )
        assert (report.applied, report.created, report.updated, report.rejected) == (True, 400, 0, 0)
        assert [r.row_number for r in report.imported] == list(range(1, 401))
        assert await world.count("catalogue_item") == 400
        assert await world.count("audit_log", "action = 'catalogue.import_create'") == 400
        drafts = await admin.catalogue.ListDraftItems(catalogue_pb2.ListDraftItemsRequest(page_size=500))
        assert drafts.items[0].content.notification.civil_liability  # standard wording was filled in


async def test_all_or_nothing_stores_nothing_and_reports_every_row(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        report = await admin.catalogue.ImportCatalogue(
            catalogue_pb2.ImportCatalogueRequest(
                request_id=rid(), mode=Mode.IMPORT_MODE_ALL_OR_NOTHING, rows=spoiled(rows(300))
            )
        )
        assert not report.applied
        assert (report.created, report.rejected) == (0, 3)
        assert [(p.row_number, p.field) for p in report.problems] == [
            (10, "item.legal_basis"),
            (42, "item.commitment_allowed"),
            (78, "item.region_code"),
        ]
        assert "high-risk" in report.problems[1].rule
        assert "outside the caller's region 350200" in report.problems[2].rule
        assert await world.count("catalogue_item") == 0
        assert await world.count("audit_log", CALLER_ROWS) == 0


async def test_valid_rows_only_stores_the_good_rows(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        report = await admin.catalogue.ImportCatalogue(
            catalogue_pb2.ImportCatalogueRequest(
                request_id=rid(), mode=Mode.IMPORT_MODE_VALID_ROWS_ONLY, rows=spoiled(rows(300))
            )
        )
        assert report.applied
        assert (report.created, report.rejected) == (297, 3)
        assert {r.row_number for r in report.imported}.isdisjoint({10, 42, 78})
        assert await world.count("catalogue_item") == 297


async def test_rows_with_an_item_id_update_that_draft(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        existing = await create(admin, item("旧名称"))
        foreign = await create(world.as_role("catalogue_admin", department="350200-SWJ"), item("别的部门"))
        changed = item("新名称")
        request = catalogue_pb2.ImportCatalogueRequest(
            request_id=rid(),
            mode=Mode.IMPORT_MODE_VALID_ROWS_ONLY,
            rows=[
                catalogue_pb2.ImportRow(row_number=2, item=changed, item_id=existing),
                catalogue_pb2.ImportRow(row_number=3, item=item("改别人的"), item_id=foreign),
                catalogue_pb2.ImportRow(row_number=4, item=item("新增的")),
            ],
        )
        report = await admin.catalogue.ImportCatalogue(request)
        assert (report.created, report.updated, report.rejected) == (1, 1, 1)
        assert [(p.row_number, p.field) for p in report.problems] == [(3, "item_id")]
        draft = await admin.catalogue.GetItem(catalogue_pb2.GetItemRequest(item_id=existing, draft=True))
        assert (draft.item.content.name, draft.item.revision) == ("新名称", 2)
        again = await admin.catalogue.ImportCatalogue(request)  # a retry answers from memory
        assert again == report
        assert await world.count("catalogue_item") == 3


async def test_the_request_itself_must_be_usable(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        no_mode = await failure(
            admin.catalogue.ImportCatalogue(
                catalogue_pb2.ImportCatalogueRequest(request_id=rid(), rows=rows(2))
            )
        )
        assert no_mode.code == grpc.StatusCode.INVALID_ARGUMENT
        assert no_mode.fields() == ["mode"]
        too_many = await failure(
            admin.catalogue.ImportCatalogue(
                catalogue_pb2.ImportCatalogueRequest(
                    request_id=rid(), mode=Mode.IMPORT_MODE_ALL_OR_NOTHING, rows=rows(2001)
                )
            )
        )
        assert too_many.fields() == ["rows"]
        twice = rows(2)
        twice[1].row_number = 1
        duplicated = await failure(
            admin.catalogue.ImportCatalogue(
                catalogue_pb2.ImportCatalogueRequest(
                    request_id=rid(), mode=Mode.IMPORT_MODE_ALL_OR_NOTHING, rows=twice
                )
            )
        )
        assert duplicated.fields() == ["rows.row_number"]
        portal = world.as_role("portal")
        denied = await failure(
            portal.catalogue.ImportCatalogue(
                catalogue_pb2.ImportCatalogueRequest(
                    request_id=rid(), mode=Mode.IMPORT_MODE_ALL_OR_NOTHING, rows=rows(1)
                )
            )
        )
        assert denied.code == grpc.StatusCode.PERMISSION_DENIED
        assert await world.count("catalogue_item") == 0

"""Catalogue items with no I/O: what a valid draft is, and the standard text filled into the
parts of its notification and letter that the department left empty."""

from __future__ import annotations

import re

from chengnuo.commitment.v1 import catalogue_pb2
from services.commitment import letters, standard_texts
from services.kernel.errors import Violations
from services.kernel.identifiers import region_covers, validate_region_code

MAX_NAME = 200
MAX_TEXT = 4000
MAX_MATTERS = 100
MAX_TIME_LIMIT_WORKING_DAYS = 250  # about a year; longer limits are typing mistakes
MAX_PUBLICATION_MONTHS = 120

Method = catalogue_pb2.VerificationMethod

_TERMS = (
    "certification_obligation",
    "licence_conditions",
    "required_materials",
    "commitment_method",
    "civil_liability",
    "administrative_liability",
    "criminal_liability",
    "verification_power",
    "publication_scope",
)


def check_item(
    v: Violations, item: catalogue_pb2.ItemDraft, caller_region: str, prefix: str = "item"
) -> None:
    """Every field problem of a draft item, under the field names of the request (`prefix`)."""
    _text(v, f"{prefix}.name", item.name, MAX_NAME, required=True)
    _text(v, f"{prefix}.legal_basis", item.legal_basis, MAX_TEXT, required=True)
    _text(v, f"{prefix}.certified_content", item.certified_content, MAX_TEXT, required=True)
    _text(v, f"{prefix}.issuing_authority", item.issuing_authority, MAX_NAME, required=False)
    _text(v, f"{prefix}.agency_name", item.agency_name, MAX_NAME, required=False)
    if len(item.matters) > MAX_MATTERS:
        v.add(f"{prefix}.matters", f"at most {MAX_MATTERS} matters")
    for i, matter in enumerate(item.matters):
        _text(v, f"{prefix}.matters[{i}]", matter, MAX_NAME, required=True)
    _region(v, f"{prefix}.region_code", item.region_code, caller_region)
    if item.high_risk and item.commitment_allowed:
        v.add(
            f"{prefix}.commitment_allowed",
            "a high-risk item (safety, health, finance, ecology, irreversible harm) may not allow commitment",
        )
    if item.commitment_allowed:
        _rule(v, f"{prefix}.verification", item.verification)
    _terms(v, f"{prefix}.notification", item.notification)
    letters.check_template(v, f"{prefix}.letter", item.letter)


def _text(v: Violations, field: str, value: str, limit: int, *, required: bool) -> None:
    if required and not value.strip():
        v.add(field, "required")
    elif len(value) > limit:
        v.add(field, f"at most {limit} characters")


def _region(v: Violations, field: str, code: str, caller_region: str) -> None:
    try:
        validate_region_code(code)
    except ValueError as exc:
        v.add(field, str(exc))
        return
    if caller_region and not region_covers(caller_region, code):
        v.add(field, f"outside the caller's region {caller_region}")


_DOMAIN = re.compile(r"[a-z][a-z0-9_]{1,63}")


def _rule(v: Violations, field: str, rule: catalogue_pb2.VerificationRule) -> None:
    if rule.method == Method.VERIFICATION_METHOD_UNSPECIFIED or rule.method not in Method.values():
        v.add(f"{field}.method", "required when commitment is allowed")
    exempt = rule.method == Method.VERIFICATION_METHOD_EXEMPT
    if not exempt and not 1 <= rule.time_limit_working_days <= MAX_TIME_LIMIT_WORKING_DAYS:
        v.add(
            f"{field}.time_limit_working_days",
            f"must be 1 to {MAX_TIME_LIMIT_WORKING_DAYS} working days",
        )
    _text(v, f"{field}.standard", rule.standard, MAX_TEXT, required=False)
    _text(v, f"{field}.exemption_conditions", rule.exemption_conditions, MAX_TEXT, required=False)
    if rule.supervision_domain and not _DOMAIN.fullmatch(rule.supervision_domain):
        v.add(f"{field}.supervision_domain", "lower_snake_case up to 64 characters, e.g. food_safety")


def _terms(v: Violations, field: str, terms: catalogue_pb2.NotificationTerms) -> None:
    for name in _TERMS:
        _text(v, f"{field}.{name}", getattr(terms, name), MAX_TEXT, required=False)
    if not 0 <= terms.publication_months <= MAX_PUBLICATION_MONTHS:
        v.add(f"{field}.publication_months", f"must be 0 to {MAX_PUBLICATION_MONTHS}")


def with_standard_text(item: catalogue_pb2.ItemDraft, department: str) -> catalogue_pb2.ItemDraft:
    """The draft as it will be stored: names trimmed, empty notification parts and an empty
    letter replaced by the standard wording (filled with the item's own data)."""
    done = catalogue_pb2.ItemDraft()
    done.CopyFrom(item)
    done.name = item.name.strip()
    done.agency_name = item.agency_name.strip() or department
    facts = {
        "issuing_authority": item.issuing_authority.strip() or "有关单位",
        "certified_content": item.certified_content.strip(),
        "legal_basis": item.legal_basis.strip(),
        "matters": "、".join(m.strip() for m in item.matters) or done.name,
    }
    defaults = {
        "certification_obligation": standard_texts.CERTIFICATION_OBLIGATION.format(**facts),
        "licence_conditions": standard_texts.LICENCE_CONDITIONS.format(**facts),
        "required_materials": standard_texts.REQUIRED_MATERIALS.format(**facts),
        "commitment_method": standard_texts.COMMITMENT_METHOD,
        "civil_liability": standard_texts.CIVIL_LIABILITY,
        "administrative_liability": standard_texts.ADMINISTRATIVE_LIABILITY,
        "criminal_liability": standard_texts.CRIMINAL_LIABILITY,
        "verification_power": standard_texts.VERIFICATION_POWER,
        "publication_scope": standard_texts.PUBLICATION_SCOPE,
    }
    for name, text in defaults.items():
        if not getattr(done.notification, name).strip():
            setattr(done.notification, name, text)
    if not done.letter.text.strip():
        done.letter.text = standard_texts.LETTER
    return done

"""What leaves for the public site about a subject: organisations in full, natural persons masked."""

from chengnuo.common.v1 import subject_pb2
from services.kernel import publicity

KEY = b"k" * 32
PERSON = subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_NATURAL_PERSON, code="11010519491231002X")
COMPANY = subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_LEGAL_PERSON, code="91350213678251743x")


def test_a_natural_person_is_masked_and_keyed_by_a_pseudonym() -> None:
    shown = publicity.public_subject(KEY, PERSON, "张三丰")
    assert (shown.code, shown.name) == ("110105********002X", "张**")
    assert shown.key.startswith(publicity.PAGE_KEY_PREFIX)
    assert PERSON.code not in shown.SerializeToString().decode()
    assert shown.key == publicity.public_subject(KEY, PERSON, "张三丰").key
    assert shown.key != publicity.public_subject(b"other" * 8, PERSON, "张三丰").key


def test_an_organisation_is_published_under_its_code_and_name() -> None:
    shown = publicity.public_subject(KEY, COMPANY, "厦门某某贸易有限公司")
    assert (shown.code, shown.key, shown.name) == ("91350213678251743X",) * 2 + ("厦门某某贸易有限公司",)


def test_free_text_loses_numbers_and_the_named_persons() -> None:
    text = publicity.public_text("张三丰 身份证 11010519491231002X 电话 13800138000 未如实承诺", "张三丰")
    assert text == "张** 身份证 110105********002X 电话 138****8000 未如实承诺"

"""Standard wording of the notification (告知书) and the commitment letter (承诺书).

The wording follows the model texts of 国办发〔2020〕42号 (《关于全面推行证明事项告知承诺制的
指导意见》) and 《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)10-14. A draft that leaves a part
empty gets these words when it is saved, so each published item version keeps the exact text
applicants were shown even if this module changes later.
"""

from __future__ import annotations

CITATION = (
    "国办发〔2020〕42号 附件: 证明事项告知承诺书格式文本;"
    " 《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)10-14"
)

# {issuing_authority}, {certified_content}, {matters}, {legal_basis} are filled from the item.
CERTIFICATION_OBLIGATION = (
    "申请人应当提交{issuing_authority}出具的证明，证明以下内容：{certified_content}。"
    "申请人选择告知承诺方式的，以书面承诺代替该证明。"
)
LICENCE_CONDITIONS = "按照{legal_basis}规定的条件办理，具体条件以“{matters}”办事指南公布的为准。"
REQUIRED_MATERIALS = "按照“{matters}”办事指南公布的材料清单提交；以承诺代替的证明无需提交。"
COMMITMENT_METHOD = (
    "申请人自愿选择告知承诺方式的，应当在本告知书所附的承诺书上签字或者盖章，"
    "通过窗口、网上或者邮寄方式提交。申请人不愿承诺或者无法承诺的，应当提交证明。"
    "事项办结前，申请人可以撤回承诺，改为提交证明。"
)
CIVIL_LIABILITY = "申请人作出不实承诺，给他人造成损失的，依法承担民事赔偿责任。"
ADMINISTRATIVE_LIABILITY = (
    "申请人作出不实承诺的，行政机关将依法终止办理、责令限期整改、撤销行政决定或者给予行政处罚，"
    "并将不实承诺信息纳入信用记录，依法实施失信惩戒；在信用修复前或者最长公示期届满前，"
    "申请人不再适用告知承诺制。"
)
CRIMINAL_LIABILITY = "申请人作出不实承诺，涉嫌犯罪的，依法移送司法机关追究刑事责任。"
VERIFICATION_POWER = (
    "行政机关有权依法对申请人的承诺内容进行核查，可以通过数据共享、书面核查、实地调查等方式核实，"
    "必要时请求有关部门协助核查，申请人应当予以配合。"
)
PUBLICATION_SCOPE = "政务服务平台和本机关门户网站"

# The standard letter: every placeholder is filled by the service from the commitment.
LETTER = """证明事项告知承诺书

承诺人：{subject_name}
承诺人类别：{subject_kind}
统一社会信用代码或者身份证件号码：{subject_code}
办件编号：{case_number}
证明事项：{item_name}

承诺人已经知晓{agency_name}告知的全部内容，现就“{item_name}”作出如下承诺：
一、所填写的基本信息真实、准确；
二、已经知晓行政机关告知的全部内容；
三、承诺人能够满足告知的条件和要求，即：{certified_content}；
四、愿意承担不实承诺、违反承诺的法律责任；
五、所作承诺是承诺人的真实意思表示。

承诺人（签字或者盖章）：{subject_name}
{signed_on}
"""

SUBJECT_KINDS = {
    "SUBJECT_KIND_LEGAL_PERSON": "法人及非法人组织",
    "SUBJECT_KIND_NATURAL_PERSON": "自然人",
    "SUBJECT_KIND_INDIVIDUAL_BUSINESS": "个体工商户",
}

VERIFICATION_METHODS = {
    "VERIFICATION_METHOD_DOCUMENT": "书面核查",
    "VERIFICATION_METHOD_ONLINE": "网络核验",
    "VERIFICATION_METHOD_ON_SITE": "实地调查",
    "VERIFICATION_METHOD_PUBLIC_NOTICE": "公示核查",
    "VERIFICATION_METHOD_EXEMPT": "免予核查，纳入“双随机、一公开”日常监管",
}

TRADE_SECRET_NOTICE = "〔涉及商业秘密，不予公开〕"  # noqa: S105 (a notice, not a password)
PRIVACY_NOTICE = "〔涉及个人隐私，不予公开〕"

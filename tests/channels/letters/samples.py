"""Realistic variables for the letter templates: one set per locale, covering every template."""

from __future__ import annotations

from typing import Any

EN_US: dict[str, Any] = {
    "return_company_name": "Harbor Services",
    "return_address_lines": ["PO Box 4410", "Columbus, OH 43216"],
    "letter_date": "2026-11-28",
    "reference_code": "R-20261128-0042",
    "consumer_name": "Maria Q. Sample",
    "consumer_address_lines": ["1234 Elm Street, Apt 5B", "Springfield, IL 62704"],
    "collector_name": "Harbor Recovery Services LLC",
    "collector_address_lines": ["PO Box 4410", "Columbus, OH 43216"],
    "collector_phone": "(800) 555-0134",
    "collector_hours": "Monday to Friday, 8 a.m. to 8 p.m. Eastern",
    "current_creditor": "Lakeside Bank, N.A.",
    "creditor_name": "Lakeside Bank, N.A.",
    "itemization_creditor": "Lakeside Bank, N.A.",
    "account_number": "XXXX-XXXX-XXXX-4821",
    "itemization_date": "2026-07-31",
    "itemization_amount": "2234.50",
    "interest_since": "45.12",
    "fees_since": "25.00",
    "payments_since": "100.00",
    "credits_since": "0.00",
    "current_amount": "2204.62",
    "balance_date": "2026-11-25",
    "currency": "USD",
    "validation_end_date": "2027-01-05",
    "dispute_url": "harborservices.example/dispute",
    "payment_url": "harborservices.example/pay",
    "request_received_date": "2026-11-20",
}

ZH_CN: dict[str, Any] = {
    "return_company_name": "安信服务中心",
    "return_address_lines": ["上海市浦东新区世纪大道100号20层", "邮编 200120"],
    "letter_date": "2026-11-28",
    "reference_code": "AX-20261128-0042",
    "consumer_name": "王伟",
    "consumer_address_lines": ["200031", "上海市徐汇区衡山路88弄6号302室"],
    "collector_name": "安信资产管理有限公司",
    "creditor_name": "华东商业银行信用卡中心",
    "account_number": "尾号4821",
    "principal": "11800.00",
    "interest": "436.17",
    "fees": "109.50",
    "payments_credits": "0.00",
    "current_amount": "12345.67",
    "currency": "CNY",
    "balance_date": "2026-11-25",
    "debt_reason": (
        "您名下尾号4821的信用卡自2026年8月15日起未按《信用卡领用合约》约定偿还到期款项，"
        "截至上述日期尚有欠款未还。"
    ),
    "legal_basis": (
        "《中华人民共和国民法典》第六百七十四条、第六百七十五条（借款人应当按照约定的期限支付利息、"
        "返还借款），以及您与华东商业银行签订的《信用卡领用合约》。"
    ),
    "dispute_reply_days": 10,
    "complaint_phone": "400-820-1235",
    "regulator_hotline": "12378",
    "collector_phone": "400-820-1234",
    "collector_hours": "工作日9:00–20:00",
    "repayment_account_name": "华东商业银行信用卡中心",
    "repayment_account_number": "3100 1234 5678 0000 001",
    "repayment_bank": "华东商业银行上海分行营业部",
    "dispute_deadline": "2026-12-28",
    "collector_address_lines": ["上海市浦东新区世纪大道100号20层", "邮编 200120"],
    "request_received_date": "2026-11-20",
}

VARIABLES = {"en-US": EN_US, "zh-CN": ZH_CN}
TEMPLATES = ("first_notice", "reminder", "cease_confirmation")
LOCALES = ("en-US", "zh-CN")
EXPECTED_PAGES = {"first_notice": 2, "reminder": 1, "cease_confirmation": 1}

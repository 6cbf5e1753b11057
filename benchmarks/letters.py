"""Letters rendered to PDF per second on one core: the two-page first notice, beside baselines.

    python -m benchmarks.letters [--count 300] [--size A4|Letter]

Each letter is a new render of ``first_notice`` (the catalog's template with this
letter's variables, then the PDF), with its own name and amounts. Measured in the same
run, on the same core:

    template only    Jinja renders the letter's HTML (the part every channel pays)
    one-line PDF     ReportLab writes a PDF with one line of text (the floor for any PDF)

The process is pinned to one CPU where the OS allows it. Target: 20 or more letters/s.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from channels.letters import LetterRenderer, PageSize
from templates import TemplateCatalog

NAMES = {
    "zh-CN": ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强", "周杰", "吴芳"],
    "en-US": ["Maria Q. Sample", "James Carter", "Linda Nguyen", "Robert Diaz", "Ann Example"],
}

ZH_CN: dict[str, Any] = {
    "return_company_name": "安信服务中心",
    "return_address_lines": ["上海市浦东新区世纪大道100号20层", "邮编 200120"],
    "letter_date": "2026-11-28",
    "consumer_address_lines": ["200031", "上海市徐汇区衡山路88弄6号302室"],
    "collector_name": "安信资产管理有限公司",
    "creditor_name": "华东商业银行信用卡中心",
    "interest": "436.17",
    "fees": "109.50",
    "payments_credits": "0.00",
    "currency": "CNY",
    "balance_date": "2026-11-25",
    "debt_reason": (
        "您名下信用卡自2026年8月15日起未按《信用卡领用合约》约定偿还到期款项，"
        "截至上述日期尚有欠款未还。"
    ),
    "legal_basis": (
        "《中华人民共和国民法典》第六百七十四条、第六百七十五条，"
        "以及您与华东商业银行签订的《信用卡领用合约》。"
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
}

EN_US: dict[str, Any] = {
    "return_company_name": "Harbor Services",
    "return_address_lines": ["PO Box 4410", "Columbus, OH 43216"],
    "letter_date": "2026-11-28",
    "consumer_address_lines": ["1234 Elm Street, Apt 5B", "Springfield, IL 62704"],
    "collector_name": "Harbor Recovery Services LLC",
    "collector_address_lines": ["PO Box 4410", "Columbus, OH 43216"],
    "collector_phone": "(800) 555-0134",
    "collector_hours": "Monday to Friday, 8 a.m. to 8 p.m. Eastern",
    "current_creditor": "Lakeside Bank, N.A.",
    "itemization_creditor": "Lakeside Bank, N.A.",
    "itemization_date": "2026-07-31",
    "interest_since": "45.12",
    "fees_since": "25.00",
    "payments_since": "100.00",
    "credits_since": "0.00",
    "currency": "USD",
    "validation_end_date": "2027-01-05",
    "dispute_url": "harborservices.example/dispute",
    "payment_url": "harborservices.example/pay",
}


def variables(locale: str, n: int) -> dict[str, Any]:
    """The n-th letter's variables: its own name, account and amounts."""
    names = NAMES[locale]
    amount = Decimal(1000 + (n * 7919) % 20000) + Decimal(n % 100) / 100
    own: dict[str, Any] = {"consumer_name": names[n % len(names)]}
    if locale == "zh-CN":
        own["principal"] = str(amount)
        own["current_amount"] = str(amount + Decimal("545.67"))
        own["reference_code"] = f"AX-20261128-{n:05d}"
        own["account_number"] = f"尾号{n % 10000:04d}"
        return ZH_CN | own
    own["itemization_amount"] = str(amount)
    own["current_amount"] = str(amount - Decimal("29.88"))
    own["reference_code"] = f"R-20261128-{n:05d}"
    own["account_number"] = f"XXXX-{n % 10000:04d}"
    return EN_US | own


def rate(count: int, work: Callable[[int], object]) -> tuple[float, float]:
    """Items per second over ``count`` items, and the median milliseconds per item."""
    times = []
    started = time.perf_counter()
    for n in range(count):
        t0 = time.perf_counter()
        work(n)
        times.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    return count / elapsed, statistics.median(times) * 1000


def one_line_pdf(font: str, size: PageSize) -> Callable[[int], bytes]:
    pagesize = (595.28, 841.89) if size == PageSize.A4 else (612.0, 792.0)

    def work(n: int) -> bytes:
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=pagesize, initialFontName=font, invariant=1)
        canvas.setFont(font, 10)
        canvas.drawString(72, 720, f"Reference R-{n:05d}")
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--size", choices=[s.value for s in PageSize], default="A4")
    args = parser.parse_args()
    size = PageSize(args.size)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    catalog = TemplateCatalog()
    t0 = time.perf_counter()
    renderer = LetterRenderer()
    fonts_s = time.perf_counter() - t0
    print(f"letters to PDF on one core, {size}, {args.count} letters per figure")
    print(f"start-up: fonts loaded in {fonts_s * 1000:.0f} ms (once per worker)")
    print(f"{'':38} {'per second':>11} {'median ms':>10}")
    for locale in ("zh-CN", "en-US"):
        first = renderer.render(
            catalog.render("letter", "first_notice", locale, variables(locale, 0)).body, size
        )
        for n in range(5):  # warm caches: compiled template, glyph widths
            renderer.render(
                catalog.render("letter", "first_notice", locale, variables(locale, n)).body, size
            )

        def letter(n: int, locale: str = locale) -> bytes:
            html = catalog.render("letter", "first_notice", locale, variables(locale, n)).body
            return renderer.render(html, size).pdf

        def template_only(n: int, locale: str = locale) -> str:
            return catalog.render("letter", "first_notice", locale, variables(locale, n)).body

        first = renderer.render(template_only(0), size)
        for n in range(5):  # warm the caches: compiled template, glyph widths
            letter(n)
        per_s, median_ms = rate(args.count, letter)
        base_s, base_ms = rate(args.count, template_only)
        line_s, line_ms = rate(args.count, one_line_pdf(renderer.fonts.regular, size))
        label = f"first_notice {locale} ({first.pages} pages, {len(first.pdf) // 1024} KiB)"
        verdict = "meets" if per_s >= 20 else "MISSES"
        print(f"{label:38} {per_s:11.1f} {median_ms:10.1f}   {verdict} the target of 20/s")
        print(f"{'  baseline: template only':38} {base_s:11.1f} {base_ms:10.2f}")
        print(f"{'  baseline: one-line PDF':38} {line_s:11.1f} {line_ms:10.2f}")


if __name__ == "__main__":
    main()

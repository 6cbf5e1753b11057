"""Civility scanner throughput: rendered messages scanned per second on one core.

    python -m benchmarks.civility [--texts 2000] [--rounds 5] [--seed 7]

The texts are what the gate sees: the shipped SMS templates rendered in zh-CN and en-US
with varied names, amounts and dates, mixed with collectors' free-text notes in both
languages (70–300 characters), a few percent of them with a forbidden phrase, some
evaded. The scanner is built once from the full lexicons, as a worker does at start-up.

Beside it, in the same run and over the same texts, three baselines:

* ``"jail" in text.lower()`` — one word, no normalisation: the floor;
* ``re.search(r"\\bjail\\b", text, re.I)`` — one word, whole-word, one regex;
* ``phrase in text.lower()`` for every lexicon phrase — the one-check-per-word design,
  still without any normalisation.

The target is at least 20,000 rendered texts per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal

from compliance.civility import CivilityScanner
from templates import TemplateCatalog, TemplateError

TARGET_PER_S = 20_000

NAMES = {
    "zh-CN": ["欧阳建国", "王芳", "李伟", "张秀英", "刘洋", "陈静", "司马相如", "赵敏"],
    "en-US": ["Jonathan Richardson", "Maria Garcia", "Sue Levy", "Dick Hancock", "Ann Lee"],
}
COMPANIES = {
    "zh-CN": ["安信资产管理有限公司", "华融催收服务中心", "平安普惠"],
    "en-US": ["Northwind Recovery Services", "Bayside Collections", "Summit Financial"],
}
CURRENCIES = {"zh-CN": "CNY", "en-US": "USD"}
PHONES = {"zh-CN": ["400-800-1234", "021-6888-0000"], "en-US": ["+1 (800) 555-0199"]}

FREE_TEXT = [
    "Hi Maria, thanks for calling back today. As discussed, we have set up a plan of "
    "$120.00 a month starting April 1. If anything changes, call us at 800-555-0142.",
    "Hello Jonathan, we received your hardship documents and our assistance team is "
    "reviewing them. We will reply within 5 business days. Reply STOP to opt out.",
    "Per your request we will only contact you by text after 11 AM Eastern. You can "
    "update your preferences at https://portal.example.com/settings?id=455 any time.",
    "Reminder: your passport copy is needed to verify the account. Please upload it in "
    "the client portal; our class on budgeting is free on Thursdays at 6 PM.",
    "We noticed a returned payment of $1,240.00 on 03/14/2026. No fee was charged. "
    "Please call us to choose a new date that suits you.",
    "Thank you for your payment of $89.99. Your remaining balance is $1,150.01 and your "
    "next payment is due on May 1, 2026.",
    "王先生您好，感谢您今天的来电。按照约定，您将于每月15日还款¥500.00，共12期。"
    "如有变化，请致电400-800-1234与我们联系。",
    "【安信资产】张女士您好，我们已收到您提交的困难证明材料，将在5个工作日内完成审核并"
    "短信通知您结果。审核期间不会产生额外费用，如有疑问请致电400-800-1234。回复TD退订",
    "【安信资产】李先生您好，根据您的要求，今后我们只在工作日9:00-18:00通过短信与您联系，"
    "不再拨打您的工作电话。如需调整联系方式或时段，请回复方便的时间。回复TD退订",
    "温馨提示：您尾号4455的账户本期应还¥1,024.00，最后还款日2026年4月20日。"
    "可通过App或柜台还款。谨防骗子冒充客服。",
    "【安信资产】刘先生您好，我们理解您目前的困难，欢迎随时来电沟通可行的分期方案，"
    "首页滚动公告中有最新的减免政策说明。",
    "【安信资产】您好，您的减免申请已通过，剩余应还金额¥3,210.09将分6期归还，首期还款日"
    "为2026年7月1日。您可通过App、支付宝或银行转账还款，详情见https://www.example.cn/pay。",
]

BAD_TEXT = [
    "【催收通知】老赖，你的欠款¥12,345.00已经逾期120天，再不还钱就让你坐 牢，明天就爆"
    "通訊錄，通知你单位领导和所有亲友，让大家都知道你是什么人。",
    "张三你这个骗子，欠款¥8,000.00拖了半年，后果自负！我们已经起诉你了，等着法院传票吧，"
    "到时候影响子女上学别怪我们没提醒。",
    "Pay today or we will call your employer and you will be a.r.r.3.s.t.e.d, deadbeat.",
    "FINAL NOTICE: we know where you live. Take a payday loan and pay us, you @$$h0le.",
]


def rendered_texts(catalog: TemplateCatalog, rng: random.Random, count: int) -> list[str]:
    # Rendered SMS bodies: what the gate scans per message (letters are another benchmark).
    infos = [info for info in catalog.list() if info.channel == "sms"]
    texts: list[str] = []
    while len(texts) < count:
        info = rng.choice(infos)
        variables = {name: _value(name, info.locale, rng) for name in info.required_variables}
        try:
            texts.append(catalog.render(info.channel, info.name, info.locale, variables).body)
        except TemplateError as exc:
            infos.remove(info)  # a template this script cannot fill: say so, use the others
            print(f"  (skipping {info.channel}/{info.locale}/{info.name}: {exc})")
            if not infos:
                raise SystemExit("no template could be rendered") from exc
    return texts


def _value(name: str, locale: str, rng: random.Random) -> object:
    if name == "currency":
        return CURRENCIES.get(locale, "USD")
    if "amount" in name:
        return Decimal(rng.randrange(1_000, 5_000_000)) / 100
    if "date" in name:
        return dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))
    if name.startswith("days"):
        return rng.randrange(1, 400)
    if "phone" in name:
        return rng.choice(PHONES.get(locale, PHONES["en-US"]))
    if "company" in name:
        return rng.choice(COMPANIES.get(locale, COMPANIES["en-US"]))
    if "name" in name:
        return rng.choice(NAMES.get(locale, NAMES["en-US"]))
    return f"{name}-{rng.randrange(1000)}"


def mix(catalog: TemplateCatalog, size: int, seed: int) -> list[str]:
    """About 70% rendered templates, 27% free text, 3% forbidden (the slow path)."""
    rng = random.Random(seed)
    texts = rendered_texts(catalog, rng, int(size * 0.70))
    texts += [rng.choice(FREE_TEXT) for _ in range(int(size * 0.27))]
    texts += [rng.choice(BAD_TEXT) for _ in range(size - len(texts))]
    rng.shuffle(texts)
    return texts


def throughput(check: Callable[[str], object], texts: list[str], rounds: int) -> float:
    """Texts per second, best of ``rounds`` passes over all texts."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            check(text)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best


def latencies_us(check: Callable[[str], object], texts: list[str]) -> tuple[float, float]:
    """p50 and p99 of one call, in microseconds (includes ~0.1 µs of timer overhead)."""
    samples = []
    clock = time.perf_counter_ns
    for text in texts:
        started = clock()
        check(text)
        samples.append(clock() - started)
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49] / 1000, cuts[98] / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    scanner = CivilityScanner.from_lexicons(("zh-CN", "en-US"))
    build_ms = (time.perf_counter() - started) * 1000
    print(f"scanner {scanner.version}: {len(scanner.entries)} entries, built in {build_ms:.0f} ms")

    texts = mix(TemplateCatalog(), args.texts, args.seed)
    lengths = sorted(len(t) for t in texts)
    chinese = sum(any("\u4e00" <= c <= "\u9fff" for c in t) for t in texts)
    flagged = sum(bool(scanner.scan(t)) for t in texts)
    print(
        f"{len(texts)} texts: {chinese} Chinese, {len(texts) - chinese} English; "
        f"{lengths[0]}–{lengths[-1]} characters (median {lengths[len(lengths) // 2]}); "
        f"{flagged} flagged"
    )

    jail = re.compile(r"\bjail\b", re.IGNORECASE)
    phrases = sorted({e.phrase.lower() for e in scanner.entries})
    candidates: list[tuple[str, Callable[[str], object]]] = [
        ("civility scanner (full lexicons)", scanner.scan),
        ('baseline: "jail" in text.lower()', lambda t: "jail" in t.lower()),
        (r"baseline: re.search(\bjail\b, re.I)", jail.search),
        (
            f"baseline: {len(phrases)} x (phrase in text.lower())",
            lambda t: [p for p in phrases if p in t.lower()],
        ),
    ]
    print(f"\none core, best of {args.rounds} passes; latency over one pass:")
    results = {}
    for label, check in candidates:
        per_s = throughput(check, texts, args.rounds)
        p50, p99 = latencies_us(check, texts)
        results[label] = per_s
        print(f"  {label:<44} {per_s:>12,.0f} texts/s   p50 {p50:7.2f} µs   p99 {p99:7.2f} µs")

    scans_per_s = results[candidates[0][0]]
    verdict = "meets" if scans_per_s >= TARGET_PER_S else "MISSES"
    print(f"\n{scans_per_s:,.0f} scans/s {verdict} the target of {TARGET_PER_S:,}/s")
    sys.exit(0 if scans_per_s >= TARGET_PER_S else 1)


if __name__ == "__main__":
    main()

"""The L1 domains (能力域), following the whitepaper's split of HQ's mid-platforms.

Business mid-platform: credit product, channel and risk control; beside it the customer, data
and management-analytics domains.
"""

from jimu import Domain

DOMAINS = (
    Domain(
        id="customer",
        name="Customer",
        name_zh="客户",
        owner="hq.customer-platform",
        description="Who the applicant is: identity, KYC of persons and organisations, contact data.",
    ),
    Domain(
        id="channel",
        name="Channel",
        name_zh="渠道",
        owner="hq.channel-platform",
        description="Where applications come from: branch counters, mobile app, partner platforms.",
    ),
    Domain(
        id="product",
        name="Credit product",
        name_zh="信贷产品",
        owner="hq.product-platform",
        description="Product rules, limits and risk-based pricing within HQ's authority.",
    ),
    Domain(
        id="risk",
        name="Risk control",
        name_zh="风险控制",
        owner="hq.risk-platform",
        description="Pre-loan investigation, in-loan decision and post-loan monitoring (贷前、贷中、贷后).",
    ),
    Domain(
        id="data",
        name="Data",
        name_zh="数据",
        owner="hq.data-platform",
        description="Resource-backed capabilities: lists, bureau, event stores, market data.",
    ),
    Domain(
        id="mgmt",
        name="Management analytics",
        name_zh="经营管理分析",
        owner="hq.finance-analytics",
        description="Expected loss, capital, RAROC and EVA views for managers.",
    ),
)

"""The runtime's own reason codes: why a record was referred when a step could not decide.

A product fails closed: when a step errs (and its ``on_error`` is ``refer``, the default) the
record is referred to a credit officer with one of these codes, never approved. They are
registered by Jimu itself (:mod:`jimu.builtin`), like any plugin's codes, so every referral
carries a code from the registry; the message naming the step goes with the record's errors.
"""

from __future__ import annotations

from ..reasons import ReasonCode

STEP_RAISED = ReasonCode(
    code="SYS_STEP_RAISED",
    text="A step failed while running; the application needs a manual review",
    text_zh="处理步骤运行出错，需人工复核",
)
STEP_CONTRACT = ReasonCode(
    code="SYS_STEP_CONTRACT",
    text="A step returned a result outside its published contract; the application needs a manual review",
    text_zh="处理步骤返回结果不符合契约，需人工复核",
)
RESOURCE_UNAVAILABLE = ReasonCode(
    code="SYS_RESOURCE_UNAVAILABLE",
    text="Data a step needs (a list, the bureau, an event store) was unavailable; manual review",
    text_zh="所需数据源不可用，需人工复核",
)
CONDITION_FAILED = ReasonCode(
    code="SYS_CONDITION_FAILED",
    text="A step's condition could not be evaluated on this application; manual review",
    text_zh="步骤执行条件无法求值，需人工复核",
)
NO_DECISION = ReasonCode(
    code="SYS_NO_DECISION",
    text="No step decided on this application; manual review",
    text_zh="无步骤作出决策，需人工复核",
)

RUNTIME_REASONS = (STEP_RAISED, STEP_CONTRACT, RESOURCE_UNAVAILABLE, CONDITION_FAILED, NO_DECISION)

from compliance.caps.quiet import ConversationQuietPeriodRule
from compliance.caps.rule import FrequencyCapRule

__all__ = ["ConversationQuietPeriodRule", "FrequencyCapRule"]

from compliance.caps.rule import FrequencyCapRule

__all__ = ["FrequencyCapRule"]

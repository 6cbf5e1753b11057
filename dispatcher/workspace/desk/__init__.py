"""The collector's desk: due and upcoming calls and visits, click-to-call, the disposition
form, and refusals in the collector's language with the next allowed local time."""

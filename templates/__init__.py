"""Approved message templates, and the catalog that renders them.

This package is also the folder of templates: ``templates/<channel>/<locale>/<name>.j2``,
e.g. ``templates/sms/zh-CN/overdue_reminder.j2``. Render one with::

    catalog = TemplateCatalog()
    rendered = catalog.render("sms", "overdue_reminder", "zh-CN", variables)
    rendered.body, rendered.version, rendered.segments
"""

from templates.catalog import Rendered, TemplateCatalog, TemplateInfo
from templates.errors import TemplateError, TemplateRenderError, UnknownTemplate
from templates.segments import SmsSegments, count_sms_segments, split_sms

__all__ = [
    "Rendered",
    "SmsSegments",
    "TemplateCatalog",
    "TemplateError",
    "TemplateInfo",
    "TemplateRenderError",
    "UnknownTemplate",
    "count_sms_segments",
    "split_sms",
]

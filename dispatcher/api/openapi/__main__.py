"""Print the document: ``python -m dispatcher.api.openapi > dispatcher/api/openapi.json``."""

import sys

from dispatcher.api.openapi.document import render

sys.stdout.write(render())

"""``/health/``: for the proxy or orchestrator in front (docs/deployment.md).

200 ``{"status": "ok"}`` when this process answers and reaches its database; when the database does not
answer, the error middleware (tracker.errors) makes it a 503, as for every other request. Public, cheap (one
``SELECT 1``), and exempt from the HTTPS redirect so a probe may call the app directly over plain HTTP.
"""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

"""orders, the middle hop of the relay's end-to-end cascade, in Python with sentry-sdk.

GET /orders/<id>/pay continues the caller's trace from its `sentry-trace` and `baggage`
headers (`sentry_sdk.continue_trace`), calls payments (argv[1]) with the trace, and when
payments fails captures its own `OrderFailed` and answers 500 naming the event. Its DSN
(SENTRY_DSN) points at a relay. Listens on 127.0.0.1, a free port, printed first.
Started and stopped by tests/relay_bugsink_e2e.rs.
"""

import os
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import sentry_sdk


class OrderFailed(Exception):
    """payments failed, so the order did."""


def main():
    payments = sys.argv[1]
    # No default integrations: the stdlib one would add its own trace headers to the
    # outgoing call; this service adds them itself, as a hand-instrumented service does.
    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        server_name="orders-python",
        traces_sample_rate=1.0,
        default_integrations=False,
    )

    class Orders(BaseHTTPRequestHandler):
        def do_GET(self):
            with sentry_sdk.isolation_scope():
                transaction = sentry_sdk.continue_trace(
                    dict(self.headers.items()), op="http.server", name="GET /orders/{id}/pay"
                )
                with sentry_sdk.start_transaction(transaction):
                    status = self.pay()
                    if status < 400:
                        self.answer(200, {})
                        return
                    try:
                        raise OrderFailed(f"payments answered {status}")
                    except OrderFailed:
                        event_id = sentry_sdk.capture_exception()
                sentry_sdk.flush(timeout=5)
                self.answer(500, {"x-sentry-event-id": event_id or ""})

        def pay(self):
            headers = {"sentry-trace": sentry_sdk.get_traceparent()}
            baggage = sentry_sdk.get_baggage()
            if baggage:
                headers["baggage"] = baggage
            request = urllib.request.Request(payments, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code
            except OSError:
                return 502

        def answer(self, status, headers):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Orders)
    print(f"orders listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

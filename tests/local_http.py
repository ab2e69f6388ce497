"""A file server on 127.0.0.1 for the tests of downloads and the model zoo (the
``server`` fixture of ``conftest.py``)."""
import http.server


class FileServer(http.server.ThreadingHTTPServer):
    """Serves ``files`` (path -> body, or (body, announced Content-Length)) and
    records every requested path in ``requests``."""

    def __init__(self):
        super().__init__(('127.0.0.1', 0), _Handler)
        self.files, self.requests = {}, []

    def url(self, path: str) -> str:
        return f'http://127.0.0.1:{self.server_address[1]}{path}'


class _Handler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.0: the connection closes after each response, so a body shorter than
    its Content-Length ends as a connection cut short does."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.requests.append(self.path)
        body = self.server.files.get(self.path)
        body, length = body if isinstance(body, tuple) else (body, len(body or b''))
        self.send_response(200 if body is not None else 404)
        self.send_header('Content-Length', str(length))
        self.end_headers()
        self.wfile.write(body or b'')

    def log_message(self, *args):
        pass  # keep the test output clean

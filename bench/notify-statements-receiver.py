import http.server,sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length',0)))
        self.send_response(200); self.send_header('X-M2M-RSC','2000'); self.send_header('Content-Length','0'); self.end_headers()
    def log_message(self,*a): pass
http.server.ThreadingHTTPServer(('127.0.0.1',19488),H).serve_forever()

"""A stand-in for an organisation's OpenID Connect identity provider, on a loopback port, for
the sign-in test (``test_browser_access.py``): discovery, authorize (signs in ``user`` at
once), token (an RS256-signed ID token carrying the request's nonce), JWKS and userinfo. Only
what Streamlit's ``st.login`` (Authlib) uses; never a real provider."""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

CLIENT_ID = "ylt-planning"
CLIENT_SECRET = "test-secret-not-real"


class Provider:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.port = port
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test"})
        self.user = {"sub": "u-1", "email": "zhang.wei@wjw.example.cn", "email_verified": True}
        self.codes: dict[str, str] = {}  # code -> nonce

    def app(self) -> Starlette:
        async def discovery(_: Request):
            return JSONResponse({
                "issuer": self.base, "authorization_endpoint": f"{self.base}/authorize",
                "token_endpoint": f"{self.base}/token", "jwks_uri": f"{self.base}/jwks",
                "userinfo_endpoint": f"{self.base}/userinfo", "response_types_supported": ["code"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]})

        async def authorize(request: Request):
            code = secrets.token_urlsafe(16)
            self.codes[code] = request.query_params.get("nonce", "")
            query = urlencode({"code": code, "state": request.query_params["state"]})
            return RedirectResponse(f"{request.query_params['redirect_uri']}?{query}", status_code=302)

        async def token(request: Request):
            form = await request.form()
            nonce = self.codes.pop(str(form.get("code")), None)
            if nonce is None:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            claims = {"iss": self.base, "aud": CLIENT_ID, "iat": now, "exp": now + 600, "nonce": nonce, **self.user}
            id_token = jwt.encode({"alg": "RS256", "kid": "test"}, claims, self.key)
            return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 600,
                                 "id_token": id_token})

        async def jwks(_: Request):
            return JSONResponse({"keys": [self.key.as_dict(private=False)]})

        async def userinfo(_: Request):
            return JSONResponse(self.user)

        return Starlette(routes=[Route("/.well-known/openid-configuration", discovery), Route("/authorize", authorize),
                                 Route("/token", token, methods=["POST"]), Route("/jwks", jwks), Route("/userinfo", userinfo)])


@contextlib.contextmanager
def running_provider(port: int):
    provider = Provider(port)
    server = uvicorn.Server(uvicorn.Config(provider.app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)

/* Swagger UI initialiser for /api/docs/ (a static file, so the page needs no inline script under our CSP). */
"use strict";
(function () {
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  var csrfToken = node.getAttribute("data-csrf-token") || "";
  window.jingwuApiDocs = window.SwaggerUIBundle({
    url: node.getAttribute("data-schema-url"),
    domNode: node,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    persistAuthorization: false,
    requestInterceptor: function (request) {
      // "Try it out" with the browser session: unsafe methods need Django's CSRF token.
      if (request.method && request.method !== "GET" && request.method !== "HEAD") {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    },
  });
})();

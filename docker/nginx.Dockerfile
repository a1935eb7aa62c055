# nginx for the compose profile "replicas": a load balancer over the read-only Marsad
# replicas. Build context: this directory (compose.yaml does it).
#
#   docker build -f docker/nginx.Dockerfile -t marsad-nginx docker
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx curl \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* /etc/nginx/conf.d/*

COPY nginx.conf /etc/nginx/nginx.conf

# www-data (uid 33) from the base image; nginx listens on an unprivileged port.
USER www-data
EXPOSE 8080
# SIGQUIT: nginx finishes the requests in flight, then exits.
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "--max-time", "4", "http://127.0.0.1:8080/nginx-healthz"]

ENTRYPOINT ["nginx", "-e", "stderr", "-g", "daemon off;"]

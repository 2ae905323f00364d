# Image for lookbook-api and lookbook-worker (docker-compose.yml runs both from it).

FROM rust:1-bookworm AS build
WORKDIR /src
# .cargo/config.toml makes every build use the committed .sqlx/ data: no database needed.
COPY . .
RUN cargo build --release --locked --bin lookbook-api --bin lookbook-worker

FROM debian:bookworm-slim
# ca-certificates: TLS to S3, push services and SMTP servers.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin lookbook
COPY --from=build /src/target/release/lookbook-api /src/target/release/lookbook-worker /usr/local/bin/
COPY --from=build /src/migrations /app/migrations
WORKDIR /app
USER lookbook
ENV LOOKBOOK_BIND=0.0.0.0:3000
EXPOSE 3000
CMD ["lookbook-api", "serve"]

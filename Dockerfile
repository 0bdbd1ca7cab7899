# InferencePlanner dashboard: build with the SDK, run on the ASP.NET runtime as a non-root user.
#   docker build -t inferenceplanner .
#   docker run -p 8080:8080 inferenceplanner      → http://localhost:8080
#   docker run -e Cluster__Mode=postgres -e Cluster__ConnectionString=... inferenceplanner --role worker
#                                                 → one more silo of a PostgreSQL-backed cluster (README)

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/InferencePlanner.Web/InferencePlanner.Web.csproj \
      -c Release -r linux-x64 --self-contained false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
# The publish output holds the app, data/ (the catalog and traces) and wwwroot/ (static files).
COPY --from=build --chown=$APP_UID /app .
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
USER $APP_UID
# The runtime image has no curl: ask /health over bash's /dev/tcp.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && head -n1 <&3 | grep -q " 200 "'
ENTRYPOINT ["dotnet", "InferencePlanner.Web.dll"]

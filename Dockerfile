# Every PromptQueue image from one file:
#   docker build --target worker    -t promptqueue/worker .
#   docker build --target simulator -t promptqueue/simulator .
#   docker build --target producer  -t promptqueue/producer .
# docker-compose.yml builds all three. Not built on the machine this was written on (it has no Docker engine):
# check a change with a real `docker build` before relying on it.

# ---- restore: project files first, so the NuGet layer is reused until a project or package version changes ----
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS restore
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Contracts/PromptQueue.Contracts.csproj src/Contracts/
COPY src/Worker/PromptQueue.Worker.csproj src/Worker/
COPY src/ProviderSimulator/PromptQueue.ProviderSimulator.csproj src/ProviderSimulator/
COPY src/Producer.Sample/PromptQueue.Producer.Sample.csproj src/Producer.Sample/
COPY src/Datasets/PromptQueue.Datasets.csproj src/Datasets/
# --use-current-runtime: restore (and publish) for this build's linux RID only. Without it ONNX Runtime's native
# libraries for every platform (android, ios, osx, win, ...) are published too: about 220 MB more in the worker.
RUN dotnet restore src/Worker --use-current-runtime \
 && dotnet restore src/ProviderSimulator --use-current-runtime \
 && dotnet restore src/Producer.Sample --use-current-runtime
COPY src/ src/
COPY models/pair-verifier/ models/pair-verifier/

FROM restore AS publish-worker
RUN dotnet publish src/Worker -c Release --no-restore --use-current-runtime --self-contained false -o /out

FROM restore AS publish-simulator
RUN dotnet publish src/ProviderSimulator -c Release --no-restore --use-current-runtime --self-contained false -o /out

FROM restore AS publish-producer
RUN dotnet publish src/Producer.Sample -c Release --no-restore --use-current-runtime --self-contained false -o /out

# ---- runtime images ----
# Ubuntu chiseled: no shell, no package manager, non-root user "app" ($APP_UID). Enough here because every project
# sets InvariantGlobalization (Directory.Build.props: no ICU needed) and no code looks up time zones (no tzdata);
# ONNX Runtime's native library needs only libc, libstdc++ and libgcc_s, which the image has.
# No HEALTHCHECK: there is no curl or shell to run one. Probe over HTTP instead, as deploy/k8s does
# (/health/ready, /health/live); in compose, Prometheus's `up` shows a replica that stopped answering.

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS worker
WORKDIR /app
COPY --from=publish-worker /out .
USER $APP_UID
# appsettings.json binds to 127.0.0.1 (safe outside a container); in one, listen on every interface. The image's
# ASPNETCORE_HTTP_PORTS is cleared so Kestrel does not warn that Urls overrides it. `--urls` still wins (deploy/k8s).
ENV Urls=http://+:8080 \
    ASPNETCORE_HTTP_PORTS=
EXPOSE 8080
ENTRYPOINT ["dotnet", "PromptQueue.Worker.dll"]

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS simulator
WORKDIR /app
COPY --from=publish-simulator /out .
USER $APP_UID
ENV ASPNETCORE_HTTP_PORTS=5199
EXPOSE 5199
ENTRYPOINT ["dotnet", "PromptQueue.ProviderSimulator.dll"]

FROM mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled AS producer
WORKDIR /app
COPY --from=publish-producer /out .
USER $APP_UID
ENTRYPOINT ["dotnet", "promptqueue-producer.dll"]

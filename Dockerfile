# One build for every PromptQueue image: docker build --target worker|simulator|producer .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props PromptQueue.slnx ./
COPY src/ src/
RUN dotnet publish src/Worker -c Release -o /out/worker \
 && dotnet publish src/ProviderSimulator -c Release -o /out/simulator \
 && dotnet publish src/Producer.Sample -c Release -o /out/producer

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS worker
WORKDIR /app
COPY --from=build /out/worker .
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["dotnet", "PromptQueue.Worker.dll"]

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS simulator
WORKDIR /app
COPY --from=build /out/simulator .
USER $APP_UID
EXPOSE 5199
ENTRYPOINT ["dotnet", "PromptQueue.ProviderSimulator.dll", "--urls", "http://0.0.0.0:5199"]

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS producer
WORKDIR /app
COPY --from=build /out/producer .
USER $APP_UID
ENTRYPOINT ["dotnet", "promptqueue-producer.dll"]

# Detector service on CPU. Build: docker build -t detector .   Run: docker run -p 5000:5000 -p 5001:5001 detector
# Stop with `docker stop -t 40`: on SIGTERM the service refuses new images for 5 s, then answers what it accepted, within
# 30 s (Shutdown:*); Docker's default 10 s would kill it mid-drain.
# (GPU images: publish with -p:DetectorGpu=true on a CUDA 13 + cuDNN 9 base; see bench/gpu-prepare.sh.)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish service/Detector.Server/Detector.Server.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# gRPC (h2c) on 5000, metrics on 5001, on every interface inside the container. The base image sets
# ASPNETCORE_HTTP_PORTS=8080, which these endpoints override with a warning at every start: cleared.
ENV Kestrel__Endpoints__Grpc__Url=http://0.0.0.0:5000 \
    Kestrel__Endpoints__Http__Url=http://0.0.0.0:5001 \
    ASPNETCORE_HTTP_PORTS=
EXPOSE 5000 5001
USER $APP_UID
ENTRYPOINT ["dotnet", "Detector.Server.dll"]

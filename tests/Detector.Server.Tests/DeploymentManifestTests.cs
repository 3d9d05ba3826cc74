using System.Text.Json;
using Detector.Engine.Telemetry;
using Detector.Server.Hosting;
using Detector.TestSupport;
using YamlDotNet.RepresentationModel;

namespace Detector.Server.Tests;

/// <summary>
/// deploy/kubernetes/detector.yaml against what the service really does: its ports, its health service, its stop
/// timeout and its metric names, so that the example cannot drift from the code it deploys.
/// </summary>
public sealed class DeploymentManifestTests
{
    private static readonly Lazy<IReadOnlyList<YamlMappingNode>> Documents = new(Load);

    private static YamlMappingNode Container => Seq(Map(Map(Kind("Deployment"), "spec", "template"), "spec"), "containers").Single();

    [Fact]
    public void GracePeriod_IsLongerThanTheServicesStopTimeout()
    {
        int grace = int.Parse(Scalar(Map(Map(Kind("Deployment"), "spec", "template"), "spec"), "terminationGracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture);
        using JsonDocument settings = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.PathOf("service/Detector.Server/appsettings.json")));
        int timeout = settings.RootElement.GetProperty("Shutdown").GetProperty("TimeoutSeconds").GetInt32();

        Assert.True(grace > timeout, $"terminationGracePeriodSeconds {grace} must exceed Shutdown:TimeoutSeconds {timeout}, or Kubernetes kills the pod mid-drain");
    }

    [Fact]
    public void StartupAndReadinessProbes_AskTheServicesOwnHealthNameOnTheGrpcPort()
    {
        foreach (string probe in new[] { "startupProbe", "readinessProbe" })
        {
            YamlMappingNode grpc = Map(Container, probe, "grpc");
            Assert.Equal(ServerExtensions.HealthServiceName, Scalar(grpc, "service"));
            Assert.Equal(PortOf("Kestrel__Endpoints__Grpc__Url"), int.Parse(Scalar(grpc, "port"), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void LivenessProbe_AsksTheMetricsEndpointSoADrainNeverRestartsThePod()
    {
        YamlMappingNode http = Map(Container, "livenessProbe", "httpGet");

        Assert.Equal("/metrics", Scalar(http, "path"));
        Assert.Equal(PortOf("Kestrel__Endpoints__Http__Url"), int.Parse(Scalar(http, "port"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ListenerAddresses_AreTheDockerfiles()
    {
        string dockerfile = File.ReadAllText(RepositoryRoot.PathOf("Dockerfile"));

        foreach (string name in new[] { "Kestrel__Endpoints__Grpc__Url", "Kestrel__Endpoints__Http__Url" })
        {
            Assert.Contains($"{name}={EnvValue(name)}", dockerfile, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ContainerPorts_AreTheListenersPorts()
    {
        Dictionary<string, int> ports = Seq(Container, "ports").ToDictionary(p => Scalar(p, "name"), p => int.Parse(Scalar(p, "containerPort"), System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(PortOf("Kestrel__Endpoints__Grpc__Url"), ports["grpc"]);
        Assert.Equal(PortOf("Kestrel__Endpoints__Http__Url"), ports["metrics"]);
    }

    [Fact]
    public void Autoscaler_ScalesOnTheQueueDepthGaugeTheServiceExports()
    {
        YamlMappingNode metric = Map(Map(Seq(Map(Kind("HorizontalPodAutoscaler"), "spec"), "metrics").Single(), "pods"), "metric");

        Assert.Equal(EngineMetrics.QueueDepth.Name, Scalar(metric, "name"));
    }

    private static int PortOf(string envName) => new Uri(EnvValue(envName)).Port;

    private static string EnvValue(string name) => Scalar(Seq(Container, "env").Single(e => Scalar(e, "name") == name), "value");

    private static YamlMappingNode Kind(string kind) => Documents.Value.Single(d => Scalar(d, "kind") == kind);

    private static YamlMappingNode Map(YamlMappingNode node, params string[] path)
    {
        foreach (string key in path)
        {
            node = (YamlMappingNode)node.Children[new YamlScalarNode(key)];
        }

        return node;
    }

    private static IEnumerable<YamlMappingNode> Seq(YamlMappingNode node, string key) =>
        ((YamlSequenceNode)node.Children[new YamlScalarNode(key)]).Children.Cast<YamlMappingNode>();

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;

    private static IReadOnlyList<YamlMappingNode> Load()
    {
        YamlStream stream = [];
        using StreamReader reader = new(RepositoryRoot.PathOf("deploy/kubernetes/detector.yaml"));
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }
}

using Detector.Cli;

return await CliApp.RunAsync(args);

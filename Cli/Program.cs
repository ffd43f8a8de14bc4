using Fabrix.Cli;

return await CliApp.RunAsync(args, CliContext.ForProcess());

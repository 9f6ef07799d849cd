return Intercom.AiCompliance.Cli.Tool.Run(args, Console.Out, Console.Error);

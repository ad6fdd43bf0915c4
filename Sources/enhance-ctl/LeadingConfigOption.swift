/// `enhance-ctl --config FILE status`: the form the README and habit (`git -C`, `systemctl
/// --user`) suggest. ArgumentParser reads options only where the command that declares them
/// stands, and `--config` belongs to the daemon commands, so a `--config` given before the
/// subcommand is moved to just after it — the one place it means something.
import ArgumentParser

enum LeadingConfigOption {
    /// `arguments` (without the program name) with a leading `--config FILE` or `--config=FILE`
    /// moved behind the subcommand names that follow it; anything else is left as it is, for
    /// ArgumentParser to accept or refuse.
    static func rearranged(_ arguments: [String], root: any ParsableCommand.Type) -> [String] {
        let option: [String]
        var rest: [String]
        if arguments.first == "--config", arguments.count >= 2 {
            option = Array(arguments.prefix(2))
            rest = Array(arguments.dropFirst(2))
        } else if let first = arguments.first, first.hasPrefix("--config=") {
            option = [first]
            rest = Array(arguments.dropFirst())
        } else {
            return arguments
        }
        var command = root
        var position = 0
        while position < rest.count,
              let sub = command.configuration.subcommands.first(where: { $0._commandName == rest[position] }) {
            command = sub
            position += 1
        }
        rest.insert(contentsOf: option, at: position)
        return rest
    }
}

"""Demo data: a made-up organisation answering the bundled instrument over several waves.

`model` is the pure latent-variable generator (numpy only); `services` writes the
organisation, surveys, invitations and responses through the same code as real data;
`commands` is the `flask seed-demo` command.
"""

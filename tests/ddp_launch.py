"""Launching the two-process (torchrun, gloo) tests."""
import socket


def free_port() -> int:
    """A free local port for torchrun's rendezvous."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]

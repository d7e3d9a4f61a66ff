"""Tests against a real kube-apiserver, etcd and kube-controller-manager (see README.md)."""

"""The exercise catalogue: data shipped in the package, validated on load, with ladders."""

import torchx.specs as specs

def ddp(name: str, nnodes: int, image: str, entrypoint: str, *args: str) -> specs.AppDef:
    return specs.AppDef(
        name=name,
        roles=[
            specs.Role(
                name="trainer",
                entrypoint=entrypoint,
                image=image,
                resource=specs.Resource(cpu=4, gpu=1, memMB=1024),
                args=list(args),
                num_replicas=nnodes,
            )
        ],
    )

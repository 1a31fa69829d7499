from services.commitment.main import SERVICE
from services.kernel.runtime import main

main(SERVICE)

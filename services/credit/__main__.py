from services.credit.main import SERVICE
from services.kernel.runtime import main

main(SERVICE)

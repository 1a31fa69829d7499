from services.kernel.runtime import main
from services.verification.main import SERVICE

main(SERVICE)

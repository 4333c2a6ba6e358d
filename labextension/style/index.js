import './base.css';
import './spaces.css';
